"""The exported deliverables as a reviewer meets them: opened from disk in Chromium, offline.

Every request that is not a local file is aborted and recorded; a page that needs the
network fails here. A failure mode named ``<script>alert(1)</script>`` must show as text and
never run. Each page printed to PDF (A4) stays close to the template's length targets.

Cross-cutting by design: the export's pages as a browser renders them (their content without a
browser is tests/test_export.py).
"""

from __future__ import annotations

import re

import pytest

import fallbackkit as fk
from fallbackkit.export import export

#: the template's length targets, in printed pages
PAGE_TARGETS = {"taxonomy.html": 1, "matrix.html": 2, "workflow.html": 3, "postmortem.html": 1, "index.html": 1}
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    d = fk.default_design()
    d.taxonomy.modes[0].name = EVIL
    out = tmp_path_factory.mktemp("export") / "review"
    export(d, out)
    return out


@pytest.fixture
def file_page(browser):
    ctx = browser.new_context(viewport={"width": 1200, "height": 1000})
    blocked: list[str] = []
    dialogs: list[str] = []

    def guard(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    page = ctx.new_page()
    page.on("dialog", lambda dlg: (dialogs.append(dlg.message), dlg.dismiss()))
    yield page, blocked, dialogs
    ctx.close()


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.mark.parametrize("name", sorted(PAGE_TARGETS))
def test_page_opens_offline_and_prints_to_length(exported, file_page, name):
    page, blocked, dialogs = file_page
    page.goto((exported / name).as_uri())
    page.wait_for_load_state("load")
    assert blocked == [], f"{name} asked the network for {blocked}"
    assert dialogs == [], f"{name} ran a script: {dialogs}"
    body = page.inner_text("body")
    assert len(body) > 200
    # every image and inline SVG on the page has a real size (a broken link renders 0×0)
    sizes = page.eval_on_selector_all("img, svg", "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
    assert all(w > 0 and h > 0 for w, h in sizes), sizes
    broken = page.eval_on_selector_all("img", "els => els.filter(e => !e.complete || e.naturalWidth === 0).map(e => e.src)")
    assert broken == []
    pages = _pdf_pages(page.pdf(format="A4"))
    assert 1 <= pages <= PAGE_TARGETS[name], f"{name} prints on {pages} pages; target {PAGE_TARGETS[name]}"


def test_user_text_shows_as_text(exported, file_page):
    page, _, dialogs = file_page
    page.goto((exported / "taxonomy.html").as_uri())
    assert EVIL in page.inner_text("body")
    assert page.locator("script").count() == 0
    assert dialogs == []


def test_diagram_and_chart_are_drawn(exported, file_page):
    page, _, _ = file_page
    page.goto((exported / "workflow.html").as_uri())
    # the UML diagram: one drawing with a box per action and the guards as text
    svg = page.locator("svg").first
    box = svg.bounding_box()
    assert box["width"] > 400 and box["height"] > 400
    drawn = " ".join(svg.text_content().split())
    for label in ("Call primary LLM", "Send static safe response", "Client", "Gateway"):
        assert label in drawn
    page.goto((exported / "matrix.html").as_uri())
    chart = page.locator("img, svg").first
    cbox = chart.bounding_box()
    assert cbox["width"] > 200 and cbox["height"] > 100
