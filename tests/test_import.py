"""The package as imported: light on import (view libraries load only when a view needs them) and
its public names. Cross-cutting by design: it imports the whole package, not one module."""

import json
import subprocess
import sys

import fallbackkit as fk

VIEW_LIBRARIES = ('pandas', 'altair', 'ipywidgets', 'numpy', 'IPython')


def loaded_view_libraries(code: str) -> list[str]:
    """The view libraries a fresh interpreter has loaded after running ``code``."""
    code += f"\nimport sys, json; print(json.dumps(sorted(m for m in {VIEW_LIBRARIES!r} if m in sys.modules)))"
    return json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def test_import_does_not_load_view_libraries():
    assert loaded_view_libraries("import fallbackkit as fk; d = fk.default_design(); d.budget()") == []


def test_critique_and_interview_stay_light():
    """Analysis layer: no pandas, altair, ipywidgets, numpy or IPython on import or use."""
    assert loaded_view_libraries(
        "import fallbackkit as fk\n"
        "from fallbackkit.review import critique\nfrom fallbackkit.interview import MockInterview\n"
        "d = fk.default_design(); critique(d).to_markdown(); MockInterview(d).run_scripted({'*': '5 ms'}).to_markdown()") == []


def test_public_names():
    import fallbackkit.review  # noqa: F401 - a package of its own: fk.critique stays the function
    c = fk.critique(fk.default_design())
    assert c.passed and isinstance(c, fk.Critique) and fk.Critique.__name__ == "Critique"
    assert len(fk.MockInterview(fk.default_design()).questions()) == 16
