"""Every notebook, run in a real JupyterLab in a real (headless) Chromium, offline.

Starts JupyterLab on a free localhost port with a token and throw-away settings and
workspaces; opens every notebook under notebooks/ through a fresh workspace; runs all
cells; checks that no cell errored and that every widget, chart and diagram rendered
(DOM checks); in the widgets playground moves a MatrixExplorer slider (the verdict text
must change) and saves a TaxonomyEditor edit (the design file on disk must change). Every
request to a host other than localhost is aborted, so a page that needs the internet
fails here. Screenshots go to build/screenshots/.

Chromium comes from Debian packages (/usr/bin/chromium; `make test` installs it). Without
it the test skips and says why -- except under CI (env var CI set), where it fails.

Cross-cutting by design: every notebook, widget, chart and diagram as the browser renders them
(their logic is tested per module without a browser).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

import fallbackkit as fk

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.relative_to(ROOT) for p in (ROOT / "notebooks").glob("*.ipynb"))
PLAYGROUND = Path("notebooks/05_widgets_playground.ipynb")
SHOTS = ROOT / "build" / "screenshots"
RUN_TIMEOUT_S = 150          # per notebook
WIDGET_CLASSES = ["fbk-taxonomy-editor", "fbk-matrix-explorer", "fbk-workflow-builder",
                  "fbk-postmortem-dashboard", "fbk-cadence-tracker"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: text that only appears when a view failed to load (CDN script, widget model, mermaid)
FAILURE_TEXT = ["Error loading script", "Error displaying widget", "Model not found",
                "Failed to load model class", "Loading widget...", "Javascript Error"]


def _write_settings(settings: Path) -> None:
    """Throw-away JupyterLab settings: no autosave (the committed notebooks stay clean),
    every cell in the DOM (no windowing), no news or update checks (no network)."""
    overrides = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none", "autoStartDefaultKernel": True},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    }
    for rel, data in overrides.items():
        f = settings / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(data))


@pytest.fixture(scope="module")
def lab(chromium, tmp_path_factory, free_port):
    tmp = tmp_path_factory.mktemp("lab")
    design_file = tmp / "playground_design.yaml"
    shutil.copy(fk.default_design_path(), design_file)
    with running_lab(tmp, design_file, free_port()) as info:
        yield info


@contextlib.contextmanager
def running_lab(tmp: Path, design_file: Path, port: int):
    """JupyterLab on a free localhost port, throw-away settings; the playground edits ``design_file``."""
    settings, workspaces, runtime = tmp / "settings", tmp / "workspaces", tmp / "runtime"
    for d in (workspaces, runtime):
        d.mkdir()
    _write_settings(settings)
    token = secrets.token_hex(16)
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]),
        "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(workspaces),
        "JUPYTER_RUNTIME_DIR": str(runtime), "FALLBACKKIT_PLAYGROUND_FILE": str(design_file),
    })
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
         f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={workspaces}",
         # no extension-manager look-ups on PyPI; root is allowed in CI containers
         "--LabApp.extension_manager=readonly", "--allow-root"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not start:\n" + (tmp / "lab.log").read_text()[-3000:])
            time.sleep(0.3)
        yield {"base": base, "token": token, "design_file": design_file, "log": tmp / "lab.log"}
    finally:
        _stop(proc)
        log.close()


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server we started (its own process group: the kernels go with it)."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def offline_page(browser):
    """A page on which every request to a non-localhost host is aborted (and recorded)."""
    with offline(browser) as page:
        yield page


@contextlib.contextmanager
def offline(browser):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    blocked: list[str] = []

    def guard(route):
        url = route.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    ctx.route("**/*", guard)
    page = ctx.new_page()
    page.blocked = blocked  # type: ignore[attr-defined]
    yield page
    ctx.close()


def _open_and_run(page, lab, nb: Path, workspace: str) -> None:
    url = f"{lab['base']}/lab/workspaces/{workspace}/tree/{nb.as_posix()}?reset&token={lab['token']}"
    page.goto(url)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    try:  # JupyterLab may still ask which kernel to start; the notebook's own is the default
        page.locator(".jp-Dialog .jp-mod-accept").click(timeout=3_000)
    except Exception:
        pass
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    page.click(".lm-MenuBar-item:has-text('Run')")
    page.click(".lm-Menu-item:has(.lm-Menu-itemLabel:text-is('Run All Cells'))")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        _wait_until_run(page)
    except PlaywrightTimeout:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"TIMEOUT_{nb.stem}.png"))
        prompts = page.evaluate("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent)")
        pytest.fail(f"{nb}: cells still not run after {RUN_TIMEOUT_S} s; prompts {prompts}; see {SHOTS}", pytrace=False)


def _wait_until_run(page) -> None:
    # A fresh kernel numbers the N code cells 1..N; a cell that errors stops "Run All".
    page.wait_for_function(
        """() => {
            const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
            if (!nb) return false;
            const ps = [...nb.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
            if (ps.some(p => p.includes('*'))) return false;
            const counts = ps.map(p => parseInt((p.match(/\\[(\\d+)\\]/) || [0, 0])[1]));
            const errored = nb.querySelector('[data-mime-type="application/vnd.jupyter.error"]');
            return Math.max(...counts) === ps.length || !!errored;
        }""", timeout=RUN_TIMEOUT_S * 1000, polling=250)


def _wait_rendered(page, timeout_ms: int = 30_000) -> None:
    """Give lazy renderers (Mermaid, vega, widget views) time to finish; _dom_problems
    then reports whatever is still missing."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        page.wait_for_function(
            """() => {
                const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
                const all = (sel, ok) => [...nb.querySelectorAll(sel)].every(ok);
                return all('.jp-RenderedMermaid', e => e.querySelector('svg, img'))
                    && all('.vega-embed, .fbk-chart', e => e.querySelector('svg, canvas'))
                    && !nb.innerText.includes('Loading widget...');
            }""", timeout=timeout_ms, polling=250)
    except PlaywrightTimeout:
        pass


def _shutdown_kernels(lab) -> None:
    """End every session's kernel, so notebooks run one kernel at a time (memory stays flat)."""
    def call(method: str, path: str):
        req = urllib.request.Request(f"{lab['base']}{path}?token={lab['token']}", method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"null")
    for session in call("GET", "/api/sessions") or []:
        call("DELETE", f"/api/sessions/{session['id']}")


def _expected_errors(nb: Path) -> list[int]:
    """Indices of cells tagged ``raises-exception``: their error output is the lesson."""
    cells = json.loads((ROOT / nb).read_text())["cells"]
    return [i for i, c in enumerate(cells) if "raises-exception" in c.get("metadata", {}).get("tags", [])]


def _dom_problems(page, expected_errors: list[int] = ()) -> list[str]:
    """Everything in the open notebook that did not render, as readable lines."""
    return page.evaluate(
        """([failureText, expected]) => {
            const out = [];
            const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
            [...nb.querySelectorAll('.jp-Cell')].forEach((cell, i) => {
                if (expected.includes(i)) return;
                cell.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]').forEach(
                    e => out.push(`cell ${i}: error output: ` + e.textContent.slice(0, 400)));
            });
            nb.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').forEach(e => {
                const r = e.getBoundingClientRect();
                if (r.width === 0 || r.height === 0) out.push('widget view with no size: ' + e.className); });
            nb.querySelectorAll('.vega-embed, .fbk-chart').forEach(
                e => { if (!e.querySelector('svg, canvas')) out.push('chart without svg/canvas: ' + e.className); });
            nb.querySelectorAll('[data-mime-type^="application/vnd.vegalite"], [data-mime-type^="application/vnd.vega."]').forEach(
                e => { if (!e.querySelector('svg, canvas')) out.push('vega output without svg/canvas'); });
            // JupyterLab draws Mermaid as an SVG (inline, or as an <img> of SVG data)
            nb.querySelectorAll('.jp-RenderedMermaid').forEach(e => {
                const img = e.querySelector('img[src^="data:image/svg+xml"]');
                if (!e.querySelector('svg') && !img) out.push('mermaid diagram without svg');
                if (img && decodeURIComponent(img.src).includes('Syntax error')) out.push('mermaid syntax error');
            });
            const text = nb.innerText;
            failureText.forEach(t => { if (text.includes(t)) out.push('page says: ' + t); });
            return out;
        }""", [FAILURE_TEXT, list(expected_errors)])


def _counts(page) -> dict:
    return page.evaluate(
        """() => {
            const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
            const n = s => nb.querySelectorAll(s).length;
            return {widgets: n('.jp-OutputArea-output > .jupyter-widgets'),
                    charts: n('.vega-embed svg, .vega-embed canvas, .fbk-chart svg'),
                    diagrams: n('.jp-RenderedMermaid svg, .jp-RenderedMermaid img[src^="data:image/svg+xml"]'),
                    code_cells: n('.jp-CodeCell')};
        }""")


def _drag_slider(page, selector: str, dx: float) -> None:
    handle = page.locator(f"{selector} .noUi-handle").first
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=8)
    page.mouse.up()


def _check_playground(page, lab) -> list[str]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for cls in WIDGET_CLASSES:
        el = page.locator(f".{cls}").first
        el.wait_for(state="visible", timeout=30_000)
    page.wait_for_selector(".fbk-matrix-explorer .fbk-chart svg, .fbk-matrix-explorer .fbk-chart canvas", timeout=30_000)
    page.wait_for_selector(".fbk-workflow-builder .fbk-diagram .jp-RenderedMermaid img, .fbk-workflow-builder .fbk-diagram svg",
                           timeout=30_000)
    page.wait_for_selector(".fbk-postmortem-dashboard .fbk-chart svg, .fbk-postmortem-dashboard .fbk-chart canvas", timeout=30_000)

    # MatrixExplorer: push the primary timeout up; the verdict must change (and break the SLO).
    verdict = page.locator(".fbk-matrix-explorer .fbk-verdict-text").first
    before = verdict.inner_text()
    assert before.startswith("SLO met"), before
    _drag_slider(page, ".fbk-matrix-explorer .fbk-primary-timeout-ms", 60)
    page.wait_for_function("(b) => { const v = document.querySelector('.fbk-matrix-explorer .fbk-verdict-text');"
                           " return v && v.textContent !== b; }", arg=before, timeout=15_000)
    after = verdict.inner_text()
    page.wait_for_function("() => /updated in/.test(document.querySelector('.fbk-matrix-explorer .fbk-timing').textContent)",
                           timeout=15_000)
    timing = page.locator(".fbk-matrix-explorer .fbk-timing").first.inner_text()
    assert after.startswith("SLO missed"), (before, after)
    assert "over budget" in page.locator(".fbk-matrix-explorer .fbk-verdict").first.inner_text()
    page.locator(".fbk-matrix-explorer").first.screenshot(path=str(SHOTS / "matrix_explorer.png"))

    # TaxonomyEditor: raise the first mode's severity and save; the file on disk must change.
    design_file: Path = lab["design_file"]
    old_text = design_file.read_text()
    editor = page.locator(".fbk-taxonomy-editor").first
    assert fk.load(design_file).taxonomy.modes[0].severity == "P1"
    editor.locator(".fbk-field-severity select").select_option("P0")
    editor.locator("button.fbk-save").click()
    msg = editor.locator(".fbk-message .fbk-msg").first
    msg.wait_for(timeout=15_000)
    assert "saved 'latency-breach'" in msg.inner_text(), editor.locator(".fbk-message").inner_text()
    new_text = design_file.read_text()
    assert new_text != old_text
    assert fk.load(design_file).taxonomy.modes[0].severity == "P0"

    # An edit the model refuses leaves the file exactly as it was.
    editor.locator(".fbk-field-runbook-steps textarea").fill("")
    editor.locator(".fbk-field-runbook-steps textarea").press("Tab")
    editor.locator("button.fbk-save").click()
    editor.locator(".fbk-message .fbk-msg-error:has-text('Not saved')").wait_for(timeout=15_000)
    assert "runbook entry has no steps" in editor.inner_text()
    assert design_file.read_text() == new_text
    editor.screenshot(path=str(SHOTS / "taxonomy_editor.png"))

    # WorkflowBuilder: delete the [else] flow out of `check`; the diagram re-renders and the
    # rules say which failure modes lost their route.
    builder = page.locator(".fbk-workflow-builder").first
    diagram = builder.locator(".fbk-diagram .jp-RenderedMermaid img").first
    src_before = diagram.get_attribute("src")
    builder.locator("select[size]").nth(1).select_option(index=7)
    builder.locator("button:has-text('Delete flow')").click()
    builder.locator(".fbk-problems-view:has-text('is not routed by the workflow')").wait_for(timeout=15_000)
    page.wait_for_function(
        "(b) => { const i = document.querySelector('.fbk-workflow-builder .fbk-diagram .jp-RenderedMermaid img');"
        " return i && i.getAttribute('src') !== b; }", arg=src_before, timeout=15_000)
    for cls in WIDGET_CLASSES[2:]:
        page.locator(f".{cls}").first.screenshot(path=str(SHOTS / f"{cls.removeprefix('fbk-').replace('-', '_')}.png"))
    return [f"verdict: {before!r} -> {after!r}; kernel callback {timing}"]


def test_every_notebook_renders_offline(lab, offline_page):
    assert PLAYGROUND in NOTEBOOKS
    page = offline_page
    t0 = time.monotonic()
    committed = {nb: (ROOT / nb).read_bytes() for nb in NOTEBOOKS}
    problems, report = [], []
    SHOTS.mkdir(parents=True, exist_ok=True)
    for i, nb in enumerate(NOTEBOOKS):
        t = time.monotonic()
        _open_and_run(page, lab, nb, f"fbk-test-{i}")
        _wait_rendered(page)
        counts = _counts(page)
        found = _dom_problems(page, _expected_errors(nb))
        problems += [f"{nb}: {p}" for p in found]
        if nb == PLAYGROUND:
            assert counts["widgets"] >= len(WIDGET_CLASSES), counts
            report += _check_playground(page, lab)
            problems += [f"{nb} (after interaction): {p}" for p in _dom_problems(page, _expected_errors(nb))]
        page.screenshot(path=str(SHOTS / f"{nb.stem}.png"))
        report.append(f"{nb}: {counts} in {time.monotonic() - t:.1f} s")
        _shutdown_kernels(lab)
    elapsed = time.monotonic() - t0
    print("\n".join(report + [f"total {elapsed:.1f} s; blocked requests: {page.blocked}"]))
    assert not problems, "\n".join(problems)
    # Offline proof: nothing outside localhost was even asked for.
    assert page.blocked == [], page.blocked
    # Running in the browser never rewrote a committed notebook (autosave is off).
    assert all((ROOT / nb).read_bytes() == data for nb, data in committed.items())
    assert elapsed < 240, f"browser test took {elapsed:.0f} s; the budget is 4 min"
