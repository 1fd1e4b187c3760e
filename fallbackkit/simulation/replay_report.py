"""What a replay of real incidents derived, rendered as text, HTML and Markdown."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import display
from .strata import attainment_se, cum_hist_quantile, cdf_se

if TYPE_CHECKING:
    from .replay import ReplayPlan
    from .strata import Totals


def _date(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).date().isoformat()


def _att(a: float) -> str:
    """Attainment with the digits an SLO needs: 99.9995%, never a rounded 100%."""
    return "n/a" if a != a else f"{100 * a:.4f}%"


def _view(rows: list[dict]) -> list[dict]:
    """Rows for a table: attainment as a percentage, budget spent as a multiple."""
    out = []
    for r in rows:
        v = dict(r)
        if "attainment" in v:
            v["attainment"] = _att(v["attainment"])
        if "budget_spent" in v:
            v["budget_spent"] = f"{v['budget_spent']:,.2f}×"
        if "met" in v:
            v["met"] = "yes" if v["met"] else "NO"
        out.append(v)
    return out


def _quantile(hist: np.ndarray, q: float) -> float:
    return cum_hist_quantile(hist, q)


class ReplayResult:
    """SLO attainment and error budget of a design over a real incident history.

    ``windows`` (one row per SLO window), ``worst_window`` (the worst rolling window),
    ``incident_minutes`` / ``exposed_minutes`` / ``hidden_minutes``, ``overlap`` (measured
    provider correlation), ``suggestions`` (occurrence rates from the same data), ``mc`` (the
    Monte-Carlo standard errors). Renders itself in Jupyter; ``to_markdown()``, ``to_dict()``.
    """

    def __init__(self, plan: "ReplayPlan", tot: "Totals", quiet: dict, method: str, seconds: float,
                 degraded_error_rate: float, overlap=None):
        self.plan, self.method, self.seconds = plan, method, seconds
        self.degraded_error_rate = degraded_error_rate
        d = plan.design
        self.slo = d.context.slo
        self.target = self.slo.percentile / 100
        self.window_days = int(self.slo.window_days)
        self.providers = sorted(plan.dependents)
        self.rps = plan.rps
        self.n_requests = float(tot.n.sum())
        self.good = float(tot.good.sum())
        self.attainment = self.good / self.n_requests if self.n_requests else math.nan
        self.allowed_bad = 1 - self.target
        self.error_budget_burn = (1 - self.attainment) / self.allowed_bad if self.allowed_bad else math.inf
        self.hist = tot.hist
        self.percentiles = {k: _quantile(tot.hist, q) for k, q in (("p50", .5), ("p95", .95), ("p99", .99), ("p99.9", .999))}
        self.calls, self.simulated_requests = tot.calls, tot.simulated
        p999 = self.percentiles["p99.9"]
        self.mc = {"attainment_se": attainment_se(tot, self.n_requests),
                   "cdf_se_at_p99.9": cdf_se(tot, p999, self.n_requests) if math.isfinite(p999) else math.nan}
        self.incident_minutes = float(tot.inc_min.sum())
        self.exposed_minutes = float(tot.exp_min.sum())
        self.hidden_minutes = self.incident_minutes - self.exposed_minutes
        self.quiet = quiet
        self._daily = tot
        self.windows = self._windows(tot)
        self.worst_window = self._worst(tot)
        self.overlap = overlap
        self.suggestions = self._suggestions()
        self.notes = list(plan.notes) + self._alternates()

    def _alternates(self) -> list[str]:
        """Later paths on another provider: how often that provider was down with the replayed one."""
        from .replay import path_provider
        if self.overlap is None:
            return []
        out = []
        for p in self.plan.design.matrix.paths:
            other = path_provider(p)
            if not other or other in self.plan.dependents:
                continue
            for prov in self.plan.dependents:
                try:
                    r = self.overlap.get(prov, other)
                except KeyError:
                    continue
                if r["p_other_given_this"] is None:
                    continue
                out.append(f"path {p.id!r} runs on {other}, whose incidents were not replayed (pass no provider to "
                           f"replay both): while {prov} was in an incident, {other} was too "
                           f"{100 * r['p_other_given_this']:.1f}% of the time, {r['lift']:.1f}× chance")
        return out

    # -- derived tables -------------------------------------------------------------------------
    def _incidents_between(self, a: float, b: float) -> list:
        return [iv for iv in self.plan.intervals if a <= iv.start < b]

    def _row(self, tot, i: int, j: int) -> dict:
        lo = self.plan.lo
        n, good = float(tot.n[i:j].sum()), float(tot.good[i:j].sum())
        att = good / n if n else math.nan
        bad = n - good
        allowed = self.allowed_bad * n
        incs = self._incidents_between(lo + i * 86400, lo + j * 86400)
        return {"window": f"{_date(lo + i * 86400)} – {_date(lo + j * 86400 - 1)}", "days": j - i,
                "requests": n, "attainment": att, "bad_requests": bad,
                "budget_spent": bad / allowed if allowed else math.inf,
                "met": bool(att >= self.target), "incidents": len(incs),
                "incident_min": float(tot.inc_min[i:j].sum()), "exposed_min": float(tot.exp_min[i:j].sum())}

    def _windows(self, tot) -> list[dict]:
        days, w = len(tot.n), self.window_days
        return [self._row(tot, i, min(days, i + w)) for i in range(0, days, w)]

    def _worst(self, tot) -> dict:
        w = min(self.window_days, len(tot.n))
        cn = np.concatenate(([0.0], np.cumsum(tot.n)))
        cg = np.concatenate(([0.0], np.cumsum(tot.good)))
        n = cn[w:] - cn[:-w]
        att = np.where(n > 0, (cg[w:] - cg[:-w]) / np.where(n > 0, n, 1), np.inf)
        i = int(np.argmin(att))
        row = self._row(tot, i, i + w)
        top = sorted(self._incidents_between(self.plan.lo + i * 86400, self.plan.lo + (i + w) * 86400),
                     key=lambda iv: -iv.minutes)[:3]
        row["worst_incidents"] = [f"{iv.id} ({iv.minutes:,.0f} min, impact {iv.impact})" for iv in top]
        return row

    def _suggestions(self) -> list[dict]:
        d, span = self.plan.design, self.plan.hi - self.plan.lo
        first = d.matrix.paths[0].id
        out = []
        for prov, pids in self.plan.dependents.items():
            for pid in pids:
                down = sum(s.seconds for s in self.plan.segments if pid in s.out) / span
                deg = sum(s.seconds for s in self.plan.segments if pid in s.degraded) / span
                modes = [m for m in d.taxonomy.modes if (m.occurs_on or first) == pid]
                po = [m for m in modes if m.category == "provider_outage"]
                df = [m for m in modes if m.category == "dependency_failure"]
                for m in po or [None]:
                    out.append({"mode": m.id if m else "(none)", "category": "provider_outage", "path": pid,
                                "declared": m.occurrence if m else None, "measured": down,
                                "basis": f"share of time {prov} had a major/critical incident on the API"})
                for m in df or [None]:
                    extra = deg * self.degraded_error_rate
                    out.append({"mode": m.id if m else "(none)", "category": "dependency_failure", "path": pid,
                                "declared": m.occurrence if m else None, "measured": extra,
                                "basis": f"minor-incident time × {display.pct(self.degraded_error_rate)} failing calls"
                                         " (on top of the path's everyday errors)"})
        return out

    # -- views ---------------------------------------------------------------------------------------
    def summary_lines(self) -> list[str]:
        p = self.plan
        ivs = p.intervals
        outages = sum(1 for iv in ivs if iv.impact in (2, 3))
        pc = self.percentiles
        exp_share = self.exposed_minutes / self.incident_minutes if self.incident_minutes else 0.0
        lines = [
            f"{len(ivs)} incidents of {', '.join(self.providers)} ({outages} outages, {len(ivs) - outages} degradations) "
            f"replayed on {', '.join(x for v in p.dependents.values() for x in v)} over {p.days:,} days "
            f"({_date(p.lo)} – {_date(p.hi - 1)}) at {display.num(self.rps * 86400)} requests/day "
            f"({display.num(self.n_requests)} requests)",
            f"SLO {self.slo}: attainment {_att(self.attainment)} "
            f"(± {100 * 2 * self.mc['attainment_se']:.2g} points, 2 s.e.) — error-budget burn {self.error_budget_burn:,.2f}×",
            f"user-seen latency: p50 {display.ms(pc['p50'])}, p99 {display.ms(pc['p99'])}, p99.9 {display.ms(pc['p99.9'])}",
            f"{sum(not w['met'] for w in self.windows)} of {len(self.windows)} {self.window_days}-day windows miss the SLO; "
            f"worst rolling window {self.worst_window['window']}: {_att(self.worst_window['attainment'])}, "
            f"{self.worst_window['budget_spent']:,.2f}× its budget",
            f"incident-minutes: {display.num(self.incident_minutes)}; the chain hid {display.num(self.hidden_minutes)} "
            f"and exposed {display.num(self.exposed_minutes)} ({display.pct(exp_share)}; a minute is exposed when its "
            f"attainment is below {display.pct(self.target)})"
            + (f"; quiet minutes miss it {display.pct(self.quiet['bad_minutes'])} of the time" if self.quiet.get("bad_minutes") is not None else ""),
            f"{self.method}: {display.num(self.simulated_requests)} requests simulated in {self.calls} engine calls, "
            f"{self.seconds:,.1f} s",
        ]
        if self.overlap is not None:
            lines += [s for s in self.overlap.sentences() if any(s.startswith(f"while {pr} ") for pr in self.providers)]
        return lines

    def to_text(self) -> str:
        cols = ["window", "attainment", "budget_spent", "met", "incidents", "incident_min", "exposed_min"]
        sug = ["mode", "category", "path", "declared", "measured", "basis"]
        return "\n".join(["Incident replay (every number simulated over real incident windows)", *self.summary_lines(), "",
                          f"Per {self.window_days}-day window", display.text_table(_view(self.windows), cols), "",
                          "Occurrence rates suggested by the same data", display.text_table(self.suggestions, sug),
                          *(["", "Notes"] + [f"- {n}" for n in self.notes] if self.notes else [])])

    def to_html(self) -> str:
        cols = ["window", "requests", "attainment", "budget_spent", "met", "incidents", "incident_min", "exposed_min"]
        sug = ["mode", "category", "path", "declared", "measured", "basis"]
        body = (display.bullets(self.summary_lines())
                + f"<h4>Per {self.window_days}-day window</h4>" + display.html_table(_view(self.windows), cols)
                + "<h4>Occurrence rates suggested by the same data</h4>" + display.html_table(self.suggestions, sug)
                + (("<h4>Notes</h4>" + display.bullets(self.notes)) if self.notes else ""))
        return display.section("Incident replay", body)

    def to_markdown(self) -> str:
        cols = ["window", "attainment", "budget_spent", "met", "incidents", "incident_min", "exposed_min"]
        sug = ["mode", "category", "path", "declared", "measured", "basis"]
        out = ["## Incident replay", ""] + [f"- {display.esc_md(x)}" for x in self.summary_lines()]
        out += ["", f"### Per {self.window_days}-day window", "", display.md_table(_view(self.windows), cols),
                "", "### Occurrence rates suggested by the same data", "", display.md_table(self.suggestions, sug)]
        if self.notes:
            out += ["", "### Notes", ""] + [f"- {display.esc_md(n)}" for n in self.notes]
        return "\n".join(out) + "\n"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def __repr__(self) -> str:
        return (f"ReplayResult({', '.join(self.providers)}, {self.plan.days} days, "
                f"attainment {self.attainment:.5f}, {self.method})")

    def daily(self) -> list[dict]:
        """One row per UTC day: requests, attainment, incident-minutes and exposed minutes (for a chart)."""
        t = self._daily
        return [{"day": _date(self.plan.lo + i * 86400), "requests": float(t.n[i]),
                 "attainment": float(t.good[i] / t.n[i]) if t.n[i] else math.nan,
                 "incident_min": float(t.inc_min[i]), "exposed_min": float(t.exp_min[i])} for i in range(len(t.n))]

    def to_frame(self):
        """Per SLO window as a pandas DataFrame (``daily()`` gives one row per day)."""
        import pandas as pd
        return pd.DataFrame(self.windows).set_index("window")

    def to_dict(self) -> dict[str, Any]:
        def clean(v):
            if isinstance(v, (np.floating, np.integer)):
                v = v.item()
            if isinstance(v, float) and not math.isfinite(v):
                return None
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [clean(x) for x in v]
            return v
        return clean({"providers": self.providers, "span": [_date(self.plan.lo), _date(self.plan.hi - 1)],
                      "days": self.plan.days, "requests_per_day": self.rps * 86400, "requests": self.n_requests,
                      "slo": str(self.slo), "attainment": self.attainment, "error_budget_burn": self.error_budget_burn,
                      "latency_ms": self.percentiles, "mc": self.mc, "incident_minutes": self.incident_minutes,
                      "exposed_minutes": self.exposed_minutes, "hidden_minutes": self.hidden_minutes,
                      "windows": self.windows, "worst_window": self.worst_window, "suggestions": self.suggestions,
                      "overlap": self.overlap.rows() if self.overlap is not None else [], "notes": self.notes,
                      "method": self.method, "seconds": self.seconds, "simulated_requests": self.simulated_requests})
