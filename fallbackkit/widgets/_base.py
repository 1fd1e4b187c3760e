"""What every widget shares: a text form for runs without a browser, problem messages,
and offline charts."""

from __future__ import annotations

import html
import os
import time
from pathlib import Path
from typing import Any, Iterable

import ipywidgets as W

from ..design import Design
from ..problems import DesignError, Problem

CSS = """<style>
.fbk-widget{font-size:13px}
.fbk-msg{margin:2px 0;padding:3px 6px;border-radius:3px}
.fbk-msg-error{background:#fdecea;color:#8a1c1c}
.fbk-msg-ok{background:#e8f5e9;color:#1b5e20}
.fbk-msg-info{background:#eef3fb;color:#1a3d6d}
.fbk-field-msg{color:#b00020;font-size:11px;min-height:0}
.fbk-verdict .over,.fbk-over{color:#b00020;font-weight:bold}
.fbk-verdict .ok,.fbk-ok{color:#1b5e20;font-weight:bold}
</style>"""


class FkWidget(W.VBox):
    """A VBox whose text form is the widget's state, not a list of traitlets."""

    #: CSS class every instance carries, so a page (and the browser test) can find it.
    css_class = "fbk-widget"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("fbk-widget")
        self.add_class(self.css_class)

    def to_text(self) -> str:  # pragma: no cover - each widget overrides
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = self.to_text()  # the full text, not ipywidgets' 110-char cut
        return data

    def _save_artifact(self, name: str, artifact) -> "Design | None":
        """Write ``artifact`` into the design file at ``self.path`` through the one save: only
        that artifact is replaced, in the file as it is on disk now, and it is validated with
        the file's other artifacts. Refused (None, reasons in ``self.message``) when there is
        no file, the model refuses it, or the file's copy changed since this widget read it."""
        if self.path is None:
            self.message.value = message_html("Not saved: no file to save to; pass a design file path.", "error")
            return None
        base = self.design.base_for(self.path)
        new = self._save_with(lambda: Design.save_artifact(self.path, name, artifact,
                                                           base=None if base is None else base.get(name),
                                                           start=self.design))
        if new is not None:
            self.design = new
            self.message.value = message_html(f"{stamp()} saved the {artifact.title} to {self.path}", "ok")
        return new

    def _save_with(self, save) -> "Design | None":
        """Run ``save()``; on refusal show "Not saved: <reason>" and return None (never raise)."""
        try:
            return save()
        except DesignError as exc:
            self.message.value = not_saved_html(exc)
        except OSError as exc:  # the store turns write failures into SaveError; this is a last guard
            self.message.value = message_html(f"Not saved: {exc.strerror or exc}; the file is unchanged.", "error")
        return None


def not_saved_html(exc: DesignError) -> str:
    """ "Not saved: <reason>" for a refused save: the store's reason, or the model's problems."""
    from ..store import SaveError
    if isinstance(exc, SaveError):
        reasons = "; ".join(p.message.removeprefix("not saved: ") for p in exc.problems)
        return message_html(f"Not saved: {reasons}", "error")
    return (message_html("Not saved: the model refused this change; the file is unchanged.", "error")
            + problems_html(exc.problems))


def as_design(design: Design | str | os.PathLike | None, path: str | os.PathLike | None):
    """(design, path): a widget accepts a Design, a file path, or both."""
    from .. import design as design_mod
    if design is None:
        if path is None:
            return design_mod.default_design(), None
        return design_mod.load(path), str(path)
    if isinstance(design, (str, os.PathLike)):
        return design_mod.load(design), str(design)
    return design, (str(path) if path is not None else None)


def message_html(text: str, kind: str = "info") -> str:
    return f"<div class='fbk-msg fbk-msg-{kind}'>{html.escape(text)}</div>"


def problems_html(problems: Iterable[Problem], ok_text: str = "") -> str:
    probs = list(problems)
    if not probs:
        return message_html(ok_text, "ok") if ok_text else ""
    items = "".join(f"<li>{html.escape(_short(p))}</li>" for p in probs)
    return (f"<div class='fbk-msg fbk-msg-error fbk-problems'><b>{len(probs)} problem"
            f"{'s' if len(probs) != 1 else ''}</b><ul style='margin:2px 0'>{items}</ul></div>")


def _short(p: Problem) -> str:
    return f"{p.path or '(top level)'}: {p.message}"


def field_message_widget() -> W.HTML:
    w = W.HTML("")
    w.add_class("fbk-field-msg")
    return w


def error_problems(exc: Exception) -> list[Problem]:
    if isinstance(exc, DesignError):
        return exc.problems
    return [Problem("", str(exc))]


def stamp() -> str:
    return time.strftime("%H:%M:%S")


def file_text(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return None


# -- charts, offline ---------------------------------------------------------------------
_OFFLINE_READY = False


def chart_view(chart) -> W.Widget:
    """An Altair chart as a widget that renders with no internet.

    Altair's default renderer loads vega from a CDN; JupyterChart with offline=True
    carries vega in its own JavaScript (bundled by vl-convert), so it renders offline.
    """
    global _OFFLINE_READY
    import altair as alt
    if not _OFFLINE_READY:
        alt.JupyterChart.enable_offline(True)
        _OFFLINE_READY = True
    view = alt.JupyterChart(chart)
    view.add_class("fbk-chart")
    return view


def chart_svg(chart) -> str:
    """The alternative renderer: a static SVG by vl-convert (also offline), for an HTML widget."""
    import vl_convert as vlc
    return vlc.vegalite_to_svg(chart.to_dict())


def set_chart(view: W.Widget, chart) -> None:
    if isinstance(view, W.HTML):
        view.value = chart_svg(chart)
    else:
        view.chart = chart


def mermaid_output(mermaid: str, text: str) -> tuple[dict[str, Any], ...]:
    """Outputs for an ipywidgets Output: JupyterLab ≥ 4.1 renders text/vnd.mermaid itself,
    with its bundled Mermaid, offline."""
    return ({"output_type": "display_data", "metadata": {},
             "data": {"text/vnd.mermaid": mermaid, "text/plain": text}},)
