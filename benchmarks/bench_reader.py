"""Parse time of a large design file: the old double parse (pure-Python ``yaml.compose`` then
``yaml.safe_load``) against the one reader (one libyaml compose, plain data built from the
node graph with alias, depth and duplicate-key checks).

The file is the worked example with its failure modes repeated until it is about 9 MB (the
reader refuses files over 10 MB). Prints seconds for each and the ratio (old: one run;
new: best of 3).

    .venv/bin/python benchmarks/bench_reader.py [target_mb]
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path

import yaml

import fallbackkit as fk
from fallbackkit import reader


def big_design_text(target_mb: float) -> str:
    data = yaml.safe_load(Path(fk.default_design_path()).read_text())
    modes = data["taxonomy"]["modes"]
    one = len(yaml.safe_dump(modes[:1], sort_keys=False))
    copies = int(target_mb * 1024 * 1024 / one)
    data["taxonomy"]["modes"] = [dict(copy.deepcopy(modes[i % len(modes)]), id=f"m{i}") for i in range(copies)]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def old_double_parse(text: str):
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(text)
    return data, node


def new_reader(text: str):
    return reader.parse_text(text, "big.yaml")


def best(fn, text: str, n: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(n):
        t = time.perf_counter()
        out = fn(text)
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    target = float(sys.argv[1]) if len(sys.argv) > 1 else 9.0
    text = big_design_text(target)
    size = len(text.encode()) / 1024 / 1024
    old, old_out = best(old_double_parse, text, 1)   # slow: one run
    new, new_out = best(new_reader, text, 3)
    assert new_out[0] == old_out[0], "the readers disagree"
    print(f"file: {size:.1f} MB, {text.count(chr(10)):,} lines; libyaml available: {yaml.__with_libyaml__}")
    print(f"old: compose + safe_load (pure Python) {old:8.2f} s  (one run)")
    print(f"new: one reader (libyaml compose)      {new:8.2f} s  (best of 3)")
    print(f"ratio old/new                          {old / new:8.1f}x")


if __name__ == "__main__":
    main()
