"""The learner's journey in a real JupyterLab and Chromium, offline, on their own product.

A pull-request review bot (SLO 95% within 20 s, no cache, no incidents yet) — unlike every
bundled scenario. The learner copies the guided notebooks, sets ``design`` in each parameters
cell (as README says), and goes: guided start (the form in notebook 00 writes the file) →
Day-1 partial design (taxonomy and matrix) → Day 2 (workflow) → Day 3 (post-mortem loop,
critique, export, rehearsal) → the widgets playground, where two different widgets edit the
file and both edits survive. Every notebook runs with no error output, no output mentions a
bundled scenario's name or headline numbers, and no output holds a maths element (MathJax or
KaTeX typesetting text between two ``$``). Every request off localhost is aborted.

The papermill twin is tests/test_journey.py; the lab and page fixtures are test_browser's.
Cross-cutting by design, like its twin.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from pathlib import Path

import pytest
import yaml

import fallbackkit as fk
from test_browser import (SHOTS, _dom_problems, _drag_slider, _open_and_run, _shutdown_kernels, _wait_rendered,
                          offline, running_lab)
from test_journey import BOT, bundled_fingerprints

ROOT = Path(__file__).resolve().parent.parent
DAYS = {1: ["01_day1_failure_taxonomy", "02_day1_latency_budget_matrix"], 2: ["03_day2_recovery_workflow"],
        3: ["04_day3_postmortem_loop_and_critique", "06_day3_defend_your_design", "90_mock_interview"]}
MATHS = ".MathJax, mjx-container, .MathJax_Display, .katex, .katex-display, math"


@pytest.fixture
def journey_page(browser):
    with offline(browser) as page:
        yield page


@pytest.fixture(scope="module")
def journey(chromium, tmp_path_factory, free_port):
    """The learner's folder (inside the lab's root, so the lab can open it) and a lab whose
    playground edits the learner's file."""
    folder = ROOT / "build" / f"journey-{secrets.token_hex(4)}"
    folder.mkdir(parents=True)
    mine = folder / "mine.yaml"
    for src in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(src.read_text())
        for cell in nb["cells"]:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                text = "".join(cell["source"]).replace("design: str | None = None", f'design: str | None = "{mine.name}"')
                cell["source"] = text
        (folder / src.name).write_text(json.dumps(nb))
    try:
        with running_lab(tmp_path_factory.mktemp("journey-lab"), mine, free_port()) as lab:
            yield lab, folder, mine
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _output_text(page) -> str:
    return page.evaluate("() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) "
                         ".jp-OutputArea-output')].map(e => e.innerText).join('\\n')")


def _run(page, lab, folder: Path, name: str, i: int) -> str:
    nb = (folder / f"{name}.ipynb").relative_to(ROOT)
    try:
        _open_and_run(page, lab, nb, f"fbk-journey-{i}")
    except pytest.fail.Exception:
        # a fresh kernel on this shared 2-core machine can miss the first "Run All": once more
        _shutdown_kernels(lab)
        _open_and_run(page, lab, nb, f"fbk-journey-{i}-again")
    _wait_rendered(page)
    problems = _dom_problems(page)
    found = page.locator(f".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output :is({MATHS})")
    maths = found.count()
    where = found.evaluate_all(
        "els => els.slice(0, 3).map(e => (e.closest('.jp-OutputArea-output') || e).innerText.slice(0, 300))")
    text = _output_text(page)
    leaks = [f for f in bundled_fingerprints() if f in text]
    page.screenshot(path=str(SHOTS / f"journey_{name}.png"))
    assert not problems, f"{name}: {problems}"
    assert maths == 0, f"{name}: {maths} maths elements in the outputs, e.g. in {where}"
    assert not leaks, f"{name} mentions a bundled scenario: {leaks}"
    return text


def _add(mine: Path, *names: str) -> None:
    """The learner writes the next artifacts into their file (in an editor, between sessions)."""
    data = yaml.safe_load(mine.read_text())
    bot = yaml.safe_load(BOT.read_text())
    data.update({n: bot[n] for n in names})
    mine.write_text(yaml.safe_dump(data, sort_keys=False))


def test_the_learners_journey_in_the_browser(journey, journey_page):
    lab, folder, mine = journey
    page = journey_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()

    # Day 0 - guided start: the form in notebook 00 writes the learner's file.
    text = _run(page, lab, folder, "00_start_here", 0)
    assert "context: not yet written (Day 1)" in text
    form = page.locator(".fbk-guided-start").first
    for label, value in [("Product name", "Pull-request review bot"), ("Requests per day", "9000"),
                         ("Peak requests per second", "3"), ("SLO: percentile (%)", "95"),
                         ("SLO: threshold (ms)", "20000"), ("Cost ceiling per 1M calls (USD)", "9000")]:
        field = form.locator(f".widget-text:has(label:text-is('{label}')) input, "
                             f".widget-inline-hbox:has(label:text-is('{label}')) input").first
        field.fill(value)
        field.press("Tab")
    form.locator("button:has-text('Write')").click()
    form.locator(".fbk-msg-ok").wait_for(timeout=15_000)
    d = fk.load(mine, partial=True)
    assert (d.context.name, d.context.slo.threshold_ms) == ("Pull-request review bot", 20000)
    _shutdown_kernels(lab)

    # Days 1-3 on the growing file.
    i = 1
    for day, parts in [(1, ("taxonomy", "matrix")), (2, ("workflow",)), (3, ("postmortem",))]:
        _add(mine, *parts)
        for name in DAYS[day]:
            text = _run(page, lab, folder, name, i)
            i += 1
            assert "Pull-request review bot" in text or day > 1
            if name.startswith("04"):
                assert "no incidents yet" in text
            if name.startswith("06"):
                assert "Critique of Pull-request review bot" in text and "files in review/" in text
            _shutdown_kernels(lab)

    # Two different widgets edit the same file; both edits survive.
    _run(page, lab, folder, "05_widgets_playground", i)
    editor = page.locator(".fbk-taxonomy-editor").first
    editor.locator(".fbk-field-severity select").select_option("P2")
    editor.locator("button.fbk-save").click()
    editor.locator(".fbk-message .fbk-msg-ok").wait_for(timeout=15_000)
    explorer = page.locator(".fbk-matrix-explorer").first
    before = fk.load(mine).matrix.paths[0].timeout_ms
    _drag_slider(page, ".fbk-matrix-explorer .fbk-ctl-timeout-ms", -40)
    page.wait_for_timeout(1500)
    explorer.locator("button.fbk-save").click()
    explorer.locator(".fbk-msg-ok").wait_for(timeout=15_000)
    after = fk.load(mine)
    assert after.taxonomy.modes[0].severity == "P2", "the TaxonomyEditor's edit was lost"
    assert after.matrix.paths[0].timeout_ms != before, "the MatrixExplorer's edit did not land"
    _shutdown_kernels(lab)
    assert page.blocked == [], page.blocked
    print(f"journey in {time.monotonic() - t0:.0f} s")
