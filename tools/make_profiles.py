"""Derive the bundled latency profiles from ../shared/data/llmperf (run once; output is committed).

    python tools/make_profiles.py /work/shared/data/llmperf fallbackkit/data/profiles

One JSON per provider and model size: the successful requests' time to first token and
end-to-end latency in ms (sorted, 0.1 ms resolution) plus the measured error share.
The source is Apache-2.0; its LICENSE and an attribution NOTICE are copied beside them.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path


def main(src: str, dst: str) -> None:
    src_p, dst_p = Path(src), Path(dst)
    dst_p.mkdir(parents=True, exist_ok=True)
    for f in sorted((src_p / "individual").glob("*.json")):
        rows = json.loads(f.read_text())
        ok = [r for r in rows if r.get("error_code") is None and r.get("ttft_s") and r.get("end_to_end_latency_s")]
        out = {
            "name": f.stem,
            "source": f"ray-project/llmperf-leaderboard raw_data/{f.name} (December 2023, Apache-2.0)",
            "requests": len(rows),
            "errors": len(rows) - len(ok),
            "ttft_ms": sorted(round(r["ttft_s"] * 1000, 1) for r in ok),
            "e2e_ms": sorted(round(r["end_to_end_latency_s"] * 1000, 1) for r in ok),
        }
        (dst_p / f"{f.stem}.json").write_text(json.dumps(out, separators=(",", ":")) + "\n")
    shutil.copy(src_p / "LICENSE", dst_p / "LICENSE")


if __name__ == "__main__":
    main(*sys.argv[1:3])
