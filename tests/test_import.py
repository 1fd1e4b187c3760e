"""`import fallbackkit` stays light: view libraries load only when a view needs them."""

import json
import subprocess
import sys


def test_import_does_not_load_view_libraries():
    code = ("import sys, json, fallbackkit as fk; d = fk.default_design(); d.budget(); "
            "print(json.dumps(sorted(m for m in ('pandas', 'altair', 'ipywidgets', 'numpy', 'IPython') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []
