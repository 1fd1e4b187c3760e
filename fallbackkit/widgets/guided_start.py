"""Guided start: a form that asks product, traffic, SLO, cost ceiling and providers, and writes
the learner's design file (the same writer as ``fallbackkit new --interactive``).

    GuidedStart("my_design.yaml")      # in notebook 00; without ipywidgets: print(GuidedStart.text_fallback())
"""

from __future__ import annotations

import os

import ipywidgets as W

from .. import starter
from ..files import atomic_write_text
from ._base import FkWidget, message_html

_LAYOUT = W.Layout(width="34em")
_STYLE = {"description_width": "16em"}


def f(widget):
    """Room for the spelled-out labels: nothing cut."""
    widget.layout.width = _LAYOUT.width
    widget.style.description_width = _STYLE["description_width"]
    return widget


class GuidedStart(FkWidget):
    """The guided-start form; ``write()`` (the button) creates the file, never overwrites one."""

    css_class = "fbk-guided-start"

    def __init__(self, path: str | os.PathLike = "my_design.yaml", **kwargs):
        super().__init__(**kwargs)
        self.path = str(path)
        self.message = W.HTML()
        self.fields = {
            "name": f(W.Text(description="Product name", placeholder="Pull-request review bot")),
            "description": f(W.Text(description="What it does, for whom")),
            "requests_per_day": f(W.FloatText(description="Requests per day", value=0)),
            "peak_rps": f(W.FloatText(description="Peak requests per second", value=0)),
            "slo_percentile": f(W.FloatText(description="SLO: percentile (%)", value=0)),
            "slo_threshold_ms": f(W.FloatText(description="SLO: threshold (ms)", value=0)),
            "slo_metric": f(W.Dropdown(description="SLO: measured on", options=list(starter.METRICS))),
            "cost_ceiling_per_1m_usd": f(W.FloatText(description="Cost ceiling per 1M calls (USD)", value=0)),
            "providers": f(W.Text(description="Providers, primary first", placeholder="anthropic, openai")),
        }
        self.button = W.Button(description=f"Write {os.path.basename(self.path)}", button_style="primary")
        self.button.on_click(lambda _: self.write())
        self.children = [W.HTML("<b>Your product</b> — zero leaves a number for later (reported as <i>not yet written</i>)"),
                         *self.fields.values(), self.button, self.message]

    def answers(self) -> starter.Answers:
        v = {k: w.value for k, w in self.fields.items()}
        num = lambda x: x if x else None
        return starter.Answers(
            name=v["name"], description=v["description"], requests_per_day=num(v["requests_per_day"]),
            peak_rps=num(v["peak_rps"]), slo_percentile=num(v["slo_percentile"]),
            slo_threshold_ms=num(v["slo_threshold_ms"]), slo_metric=v["slo_metric"],
            cost_ceiling_per_1m_usd=num(v["cost_ceiling_per_1m_usd"]),
            providers=[p.strip() for p in v["providers"].split(",") if p.strip()])

    def write(self) -> str | None:
        """Write the starter file; refuse (message, no file touched) on bad answers or an existing file."""
        a = self.answers()
        probs = a.problems()
        if os.path.exists(self.path):
            probs.append(f"{self.path} already exists: open it with `design = \"{self.path}\"` instead")
        if probs:
            self.message.value = message_html("Not written: " + "; ".join(probs), "error")
            return None
        atomic_write_text(self.path, starter.starter_text(a))
        self.message.value = message_html(f"wrote {self.path}; set `design = \"{self.path}\"` in the parameters cell "
                                          "of every notebook (or `fallbackkit run NB --design FILE`)", "ok")
        return self.path

    def to_text(self) -> str:
        return f"GuidedStart -> {self.path}\n" + "\n".join(f"  {w.description}: {w.value}" for w in self.fields.values())

    @staticmethod
    def text_fallback() -> str:
        return ("No widgets here? In a terminal: `fallbackkit new --interactive` asks the same questions "
                "and writes the file.")
