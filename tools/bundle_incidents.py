"""Regenerate fallbackkit/data/incidents/incident_stages.csv.gz from the public dataset.

    python tools/bundle_incidents.py ../shared/data/llm-incidents/incident_stages.csv
"""

import sys
from pathlib import Path

from fallbackkit.incidents import IncidentLog, bundled_path

if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parents[2] / "shared/data/llm-incidents/incident_stages.csv")
    log = IncidentLog.read(src)
    out = log.to_csv(bundled_path())
    print(f"wrote {out}: {len(log)} incidents from {src}")
    print(log.quality.to_text())
