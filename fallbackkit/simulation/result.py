"""What a simulation derived: per-path results, the run's result and the matrix filled in."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .figures import PathNumbers, Percentiles, SimulationNumbers, StreamingNumbers, frozen_map
from .histogram import H_BINS, H_MIN, H_RATIO, QUANTILES, hist_cdf, hist_quantile, percentiles


@dataclass
class PathResult:
    id: str
    name: str
    kind: str
    reach: float            # share of requests reaching the path
    share: float            # share of requests it served
    skipped: float          # share of requests that found its breaker open
    calls_per_request: float  # calls to this path per request (retries and hedges included)
    retries: float          # retries per request
    hedges: float           # hedged calls per request
    cost_per_1m_requests_usd: float  # its part of the cost per 1M requests (calls/request × price per 1M calls)
    p50: float
    p95: float
    p99: float
    p999: float
    breaker_trips: int
    partial: float = 0.0    # share of requests it left with a partial answer (a stream broke after its first token)

    @property
    def cost_per_1m_usd(self) -> float:
        """Old name of :attr:`cost_per_1m_requests_usd` (per 1M *requests*), kept for callers."""
        return self.cost_per_1m_requests_usd

    @property
    def hit_rate(self) -> float:
        """Served share of the requests that reached it and were not skipped."""
        tried = self.reach - self.skipped
        return self.share / tried if tried > 0 else math.nan


class SimulationResult:
    """What a simulation derived: shares, user-seen percentiles, cost, SLO attainment.

    ``numbers`` holds every headline number as a typed, frozen
    :class:`~fallbackkit.simulation.figures.SimulationNumbers`. Latencies (``percentiles``,
    ``quantile``, ``cdf``, per-path p50…p99.9) are in the SLO's metric: time to first token
    when ``slo.metric`` is ``time_to_first_token``, else time to last token (the two agree
    on paths that do not stream). ``ttft_percentiles`` and ``ttlt_percentiles`` give both.
    Renders as a table in Jupyter; ``to_frame()``, ``to_dict()`` (JSON-ready) and
    ``matrix_view()`` (the matrix filled in, simulated vs declared) give other views.
    """

    def __init__(self, design, plan, acc, breakers, seed, outages, chunk_size, seconds):
        self.design, self.seed, self.outages, self.chunk_size, self.seconds = design, seed, outages, chunk_size, seconds
        self._plan, self._acc = plan, acc
        P = len(plan.paths)
        self.n_requests = n = acc.n
        self.slo = design.context.slo
        self.measure = "ttft" if plan.slo_metric == "time_to_first_token" else "ttlt"
        self.ttft_hist = acc.hist.reshape(P + 1, H_BINS)
        self.ttlt_hist = acc.ttlt_hist.reshape(P + 1, H_BINS)
        #: histogram rows in the SLO's metric: row 0 unserved (for time to last token: incomplete), row k+1 path k
        self.hist = self.ttft_hist if self.measure == "ttft" else self.ttlt_hist
        self.all_hist = self.hist.sum(axis=0)
        # the bins any request landed in (every row's counts lie there): percentiles read only those
        used = np.flatnonzero(self.all_hist)
        lo, hi = (int(used[0]), int(used[-1]) + 1) if used.size else (0, 0)
        self.paths: list[PathResult] = []
        for k, cp in enumerate(plan.paths):
            pc = percentiles(self.hist[k + 1, lo:hi], lo)
            br = breakers.get(k)
            self.paths.append(PathResult(
                id=cp.id, name=cp.name, kind=cp.kind, reach=float(acc.reach[k] / n), share=float(acc.served[k] / n),
                skipped=float(acc.skipped[k] / n), calls_per_request=float(acc.calls[k] / n),
                retries=float(acc.retries[k] / n), hedges=float(acc.hedges[k] / n),
                cost_per_1m_requests_usd=float(acc.calls[k] / n * cp.cost),
                **{name.replace(".", ""): v for name, v in pc.items()},
                breaker_trips=len(br.trips) if br else 0, partial=float(acc.partial[k] / n)))
        self.served = float(acc.served.sum() / n)
        self.unserved = 1.0 - self.served
        self.slo_attainment = float(acc.good / n)
        allowed = 1 - self.slo.percentile / 100
        self.bad_share = 1 - self.slo_attainment
        #: error-budget burn rate: bad share ÷ allowed bad share (1.0 spends the budget exactly over the window)
        self.error_budget_burn = self.bad_share / allowed if allowed > 0 else math.inf
        #: USD per 1M user requests: Σ over paths of calls per request × price per 1M calls
        self.cost_per_1m_requests_usd = float(sum(p.cost_per_1m_requests_usd for p in self.paths))
        self.retry_share = float(acc.retries.sum() / n)
        self.retry_budget = plan.retry_budget
        self.mode_hits = {md.id: int(h) for md, h in zip(plan.modes, acc.mode_hits)}
        # each row summed once, each percentile set from one cumulative sum (they are the same row
        # when nothing streams)
        self.ttft_percentiles = (percentiles(self.all_hist[lo:hi], lo) if self.measure == "ttft"
                                 else percentiles(self.ttft_hist.sum(axis=0)))
        self.ttlt_percentiles = (dict(self.ttft_percentiles) if acc.ttlt_hist is acc.hist
                                 else percentiles(self.all_hist[lo:hi], lo) if self.measure == "ttlt"
                                 else percentiles(self.ttlt_hist.sum(axis=0)))
        self.percentiles = self.ttft_percentiles if self.measure == "ttft" else self.ttlt_percentiles
        self.served_percentiles = percentiles(self.all_hist[lo:hi] - self.hist[0, lo:hi], lo)
        self.partial_share = float(acc.partial.sum() / n)
        self.breaker_open_s = {plan.paths[k].id: len(b.trips) * b.cool * plan.bucket_s for k, b in breakers.items()}
        self.simulated_seconds = n / plan.rate
        self.numbers = self._numbers()

    def _streaming_numbers(self) -> StreamingNumbers | None:
        plan, acc, n = self._plan, self._acc, self.n_requests
        streaming = [k for k, cp in enumerate(plan.paths) if cp.stream is not None]
        if not streaming:
            return None
        broken = int(sum(acc.broken[k] for k in streaming))
        cont_calls = {k: acc.continuable[k] for k in streaming}   # one call per broken stream whose end was seen
        done = int(acc.cont_hist.sum())
        return StreamingNumbers(
            streamed_share=float(sum(acc.streamed[k] for k in streaming) / n), broken_share=broken / n,
            partial_share=self.partial_share,
            continuation=any(plan.paths[k].stream.continuation for k in streaming),
            continuation_calls_per_request=float(sum(cont_calls.values()) / n),
            continuation_cost_per_1m_requests_usd=float(sum(c / n * plan.paths[k].cost for k, c in cont_calls.items())),
            continuation_ttlt_ms=Percentiles.from_dict({name: hist_quantile(acc.cont_hist, q) for name, q in QUANTILES}),
            continuation_complete_share=done / broken if broken else float("nan"))

    def _numbers(self) -> SimulationNumbers:
        n, acc = self.n_requests, self._acc
        return SimulationNumbers(
            n_requests=n, seed=self.seed, simulated_seconds=self.simulated_seconds,
            slo_metric=self._plan.slo_metric, slo_threshold_ms=self.slo.threshold_ms, slo_percentile=self.slo.percentile,
            latency_ms=Percentiles.from_dict(self.percentiles), ttft_ms=Percentiles.from_dict(self.ttft_percentiles),
            ttlt_ms=Percentiles.from_dict(self.ttlt_percentiles), slo_attainment=self.slo_attainment,
            slo_attainment_ttft=float(acc.good_ttft / n), slo_attainment_ttlt=float(acc.good_ttlt / n),
            error_budget_burn=self.error_budget_burn, served=self.served, unserved=self.unserved,
            share_by_path=frozen_map({p.id: p.share for p in self.paths}),
            calls_per_request=float(sum(p.calls_per_request for p in self.paths)),
            calls_by_path=frozen_map({p.id: p.calls_per_request for p in self.paths}),
            retry_share=self.retry_share, retry_budget=self.retry_budget,
            cost_per_1m_requests_usd=self.cost_per_1m_requests_usd, mode_hits=frozen_map(self.mode_hits),
            partial_share=self.partial_share,
            paths=tuple(PathNumbers(
                id=p.id, reach=p.reach, share=p.share, skipped=p.skipped, calls_per_request=p.calls_per_request,
                retries=p.retries, hedges=p.hedges, cost_per_1m_requests_usd=p.cost_per_1m_requests_usd,
                latency_ms=Percentiles(p.p50, p.p95, p.p99, p.p999), breaker_trips=p.breaker_trips,
                partial_share=p.partial) for p in self.paths),
            streaming=self._streaming_numbers())

    @property
    def cost_per_1m_usd(self) -> float:
        """Old name of :attr:`cost_per_1m_requests_usd` (per 1M *requests*), kept for callers."""
        return self.cost_per_1m_requests_usd

    # -- queries -----------------------------------------------------------------------------
    def path(self, path_id: str) -> PathResult:
        for p in self.paths:
            if p.id == path_id:
                return p
        raise KeyError(path_id)

    def quantile(self, q: float, path: str | None = None) -> float:
        """User-seen latency quantile over all requests (unserved at the time they gave up) or one path's served."""
        row = self.all_hist if path is None else self.hist[1 + [p.id for p in self.paths].index(path)]
        return hist_quantile(row, q)

    def cdf(self, x_ms: float, path: str | None = None) -> float:
        """Share of requests (or of one path's served requests) with user-seen latency ≤ x_ms."""
        row = self.all_hist if path is None else self.hist[1 + [p.id for p in self.paths].index(path)]
        return hist_cdf(row, x_ms)

    def cdf_points(self, path: str | None = None, max_points: int = 400) -> tuple[np.ndarray, np.ndarray]:
        """(latency ms, cumulative share) for plotting; thinned to ~max_points."""
        row = self.all_hist if path is None else self.hist[1 + [p.id for p in self.paths].index(path)]
        nz = np.flatnonzero(row)
        if not nz.size:
            return np.zeros(0), np.zeros(0)
        cum = np.cumsum(row[nz]) / row.sum()
        x = np.where(nz == 0, 0.0, H_MIN * H_RATIO ** (nz.astype(float) - 0.5))
        if nz.size > max_points:
            keep = np.unique(np.concatenate([np.searchsorted(cum, np.linspace(0, 1, max_points)).clip(0, nz.size - 1),
                                             [nz.size - 1]]))
            x, cum = x[keep], cum[keep]
        return x, cum

    def tail_shares(self, q: float = 0.99) -> dict[str, float]:
        """Who the slowest ``1 − q`` of requests were served by ('unserved' included); sums to 1.

        The tail is every request in or above the latency bin holding the overall ``q`` quantile.
        """
        cum = np.cumsum(self.all_hist)
        b = int(np.searchsorted(cum, q * cum[-1], side="left"))
        counts = self.hist[:, b:].sum(axis=1)
        total = counts.sum()
        names = ["unserved"] + [p.id for p in self.paths]
        return {name: float(c / total) for name, c in zip(names, counts)} if total else {}

    def timeline(self) -> list[dict]:
        """Per timeline bin (default 60 s): requests, SLO attainment, unserved and per-path shares."""
        out = []
        ids = [p.id for p in self.paths]
        for b in sorted(self._acc.timeline):
            row = self._acc.timeline[b]
            n = row[0]
            d = {"minute": b * self._acc.timeline_s / 60, "requests": int(n), "slo_attainment": row[1] / n,
                 "unserved": row[2] / n}
            d.update({f"share_{i}": row[3 + k] / n for k, i in enumerate(ids)})
            out.append(d)
        return out

    # -- views -------------------------------------------------------------------------------
    def rows(self) -> list[dict]:
        streams = any(cp.stream is not None for cp in self._plan.paths)
        return [{"path": p.id, "kind": p.kind, "reach %": 100 * p.reach, "share %": 100 * p.share,
                 "skipped %": 100 * p.skipped, "calls/req": p.calls_per_request,
                 "p50 ms": p.p50, "p95 ms": p.p95, "p99 ms": p.p99, "p99.9 ms": p.p999,
                 "cost/1M req $": p.cost_per_1m_requests_usd, "breaker trips": p.breaker_trips,
                 **({"partial %": 100 * p.partial} if streams else {})} for p in self.paths]

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.n_requests, "seed": self.seed, "simulated_hours": self.simulated_seconds / 3600,
            "slo": str(self.slo), "slo_attainment": self.slo_attainment, "error_budget_burn": self.error_budget_burn,
            "served": self.served, "unserved": self.unserved, "cost_per_1m_requests_usd": self.cost_per_1m_requests_usd,
            "retry_share": self.retry_share, "retry_budget": self.retry_budget,
            "latency_ms": self.percentiles, "served_latency_ms": self.served_percentiles,
            "slo_metric": self._plan.slo_metric, "ttft_ms": self.ttft_percentiles, "ttlt_ms": self.ttlt_percentiles,
            "partial_share": self.partial_share,
        }

    def summary_lines(self) -> list[str]:
        pc = self.percentiles
        met = "meets" if self.slo_attainment >= self.slo.percentile / 100 else "misses"
        lines = [
            f"{self.n_requests:,} requests, seed {self.seed}, {self.simulated_seconds / 3600:,.1f} h of simulated traffic"
            + (f", outages: {', '.join(f'{o.path} from {o.start_s / 60:g} min for {o.duration_s / 60:g} min' for o in self.outages)}" if self.outages else ""),
            f"user-seen latency: p50 {pc['p50']:,.1f} ms, p95 {pc['p95']:,.1f} ms, p99 {pc['p99']:,.1f} ms, p99.9 {pc['p99.9']:,.1f} ms",
            f"SLO {self.slo}: attainment {100 * self.slo_attainment:.3f}% — {met} it; "
            f"error-budget burn {self.error_budget_burn:,.2f}× (1× spends the budget exactly)",
            f"served {100 * self.served:.3f}%, unserved {100 * self.unserved:.4f}%",
            f"cost: ${self.cost_per_1m_requests_usd:,.2f} per 1M requests",
            f"retries: {100 * self.retry_share:.2f}% of requests (budget {100 * self.retry_budget:g}%)",
        ]
        lines += self._streaming_lines()
        for pid, s in self.breaker_open_s.items():
            if s:
                lines.append(f"circuit breaker on {pid}: opened {self.path(pid).breaker_trips}×, skipped "
                             f"{100 * self.path(pid).skipped:.3f}% of requests")
        return lines

    def _streaming_lines(self) -> list[str]:
        st = self.numbers.streaming if hasattr(self, "numbers") else self._streaming_numbers()
        if st is None:
            return []
        ft, lt = self.ttft_percentiles, self.ttlt_percentiles
        out = [f"streaming: time to first token p50 {ft['p50']:,.1f} ms, p99 {ft['p99']:,.1f} ms; "
               f"time to last token p50 {lt['p50']:,.1f} ms, p99 {lt['p99']:,.1f} ms",
               f"{100 * st.broken_share:.3f}% of requests had their stream break after the first token, when no "
               f"fallback is possible; {100 * st.partial_share:.3f}% of users were left with a partial answer"]
        if st.broken_share:
            c = st.continuation_ttlt_ms
            verb = "costs" if st.continuation else "would cost"
            out.append(f"a continuation retry (re-request the rest) {verb} ${st.continuation_cost_per_1m_requests_usd:,.2f} "
                       f"per 1M requests ({st.continuation_calls_per_request:.4f} calls a request), completes "
                       f"{100 * st.continuation_complete_share:.1f}% of broken streams, their time to last token "
                       f"p50 {c.p50:,.1f} ms, p99 {c.p99:,.1f} ms")
        return out

    def to_text(self) -> str:
        from .. import display
        rows = self.rows()
        return "\n".join(["Simulation (every number simulated)", display.text_table(rows, list(rows[0]))]
                         + self.summary_lines())

    def to_html(self) -> str:
        from .. import display
        rows = self.rows()
        return display.section("Simulation (every number simulated)",
                               display.html_table(rows, list(rows[0])) + display.bullets(self.summary_lines()))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def __repr__(self) -> str:
        return self.to_text()

    def to_frame(self):
        """Per-path results as a pandas DataFrame indexed by path id."""
        import pandas as pd
        return pd.DataFrame(self.rows()).set_index("path")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: summary, per-path rows and the filled matrix."""
        def clean(v):
            if isinstance(v, float) and not math.isfinite(v):
                return None
            if isinstance(v, (np.floating, np.integer)):
                return clean(v.item())
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, list):
                return [clean(x) for x in v]
            return v
        return clean({"summary": self.summary(), "paths": self.rows(), "matrix": self.matrix_view().rows,
                      "mode_hits": self.mode_hits, "breaker_open_s": self.breaker_open_s,
                      "numbers": self.numbers.as_dict()})

    def matrix_view(self) -> "MatrixView":
        """The latency-budget matrix filled from this run; each number marked simulated or declared."""
        rows = []
        budget = {b.id: b for b in self.design.budget().rows}
        for p, decl in zip(self.paths, self.design.matrix.paths):
            rows.append({
                "path": p.id,
                "serves % [sim]": 100 * p.share,
                "serves % [decl]": 100 * budget[p.id].share,
                "hit rate % [sim]": 100 * p.hit_rate if math.isfinite(p.hit_rate) else None,
                "coverage % [decl]": decl.coverage_pct,
                "p50 ms [sim]": p.p50, "p99 ms [sim]": p.p99, "p99.9 ms [sim]": p.p999,
                "p50 ms [decl]": decl.latency.typical_ms, "p99 ms [decl]": decl.latency.tail_ms,
                "timeout ms [decl]": decl.timeout_ms,
                "calls/req [sim]": p.calls_per_request,
                "price/1M calls $ [decl]": decl.cost_per_1m_usd,
                "cost/1M req $ [sim]": p.cost_per_1m_requests_usd,
                "error rate [decl]": decl.error_rate,
            })
        notes = ["[decl] numbers are typed in the design; 'serves % [decl]' is the budget's arithmetic over them",
                 "[sim] numbers are derived by this simulation; latencies are as the user sees them "
                 "(time spent on earlier paths included)"]
        return MatrixView(rows, notes + self.summary_lines())


class MatrixView:
    """The matrix filled from a simulation; column names say [sim] (simulated) or [decl] (declared)."""

    def __init__(self, rows: list[dict], notes: list[str]):
        self.rows, self.notes = rows, notes

    def to_text(self) -> str:
        from .. import display
        return ("Latency-budget matrix ([sim] = simulated by the kit, [decl] = declared in the design)\n"
                + display.text_table(self.rows, list(self.rows[0])))

    def to_html(self) -> str:
        from .. import display
        cols = list(self.rows[0])
        head = "".join(f"<th class='{'sim' if '[sim]' in c else 'decl'}'>{display.esc_html(c)}</th>" for c in cols)
        body = "".join("<tr>" + "".join(
            f"<td style='background:{'#e8f5e9' if '[sim]' in c else '#fff8e1'}'>{display.esc_html(display.fmt(r[c]))}</td>"
            for c in cols) + "</tr>" for r in self.rows)
        legend = "<p><span style='background:#e8f5e9'>simulated</span> = derived by the kit; " \
                 "<span style='background:#fff8e1'>declared</span> = typed in the design</p>"
        return display.section("Latency-budget matrix (simulated vs declared)",
                               f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{legend}"
                               + display.bullets(self.notes))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.rows).set_index("path")

    def __repr__(self) -> str:
        return self.to_text()
