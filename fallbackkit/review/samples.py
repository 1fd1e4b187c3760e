"""Small samples: a p90 of five incidents is an interpolation no incident took.

Say n; use order statistics (the nearest-rank p90 of five incidents is the longest one);
a p99 needs about 100 incidents; a trend ("time to detect fell 40%") needs incidents on
both sides of the change, about ten in all.
"""

from __future__ import annotations

import math
import re

from .context import Review
from .registry import checker

check = checker("loop")
#: incidents a percentile needs before it is more than the largest value seen: ceil(1 / (1 − q))
NEEDS = {"p90": 10, "p99": 100}
TREND_MIN = 10
_LOOP = (r"(mttr|mttd|mtta|mean time to \w+|time[ _-]to[ _-](detect|resolve|mitigate|acknowledge)|detection time|"
         r"resolution time|incidents?|outages?|pages)")
_MOVE = r"(fell|dropped|rose|improved|worsened|halved|doubled|trend\w*|reduced|increased|decreased|cut|went (up|down))"
_TREND = re.compile(rf"\b{_LOOP}\b[^.;]*\b{_MOVE}\b|\b{_MOVE}\b[^.;]*\b{_LOOP}\b", re.IGNORECASE)


@check("percentile-of-few", "note", "small_samples",
       "a percentile over fewer incidents than it needs",
       "with n below 1/(1 − q) the percentile is an interpolation between incidents, not a measured value")
@check("trend-from-few", "warning", "small_samples",
       "a trend claimed over too few incidents",
       "a before/after over a handful of incidents is noise a committee will not accept as a result")
def samples(ctx: Review) -> None:
    pm = ctx.design.postmortem
    n_inc = len(pm.incidents)
    few = []   # one root cause (too few incidents), one finding, however many metrics it touches
    for i, met in enumerate(pm.metrics):
        vals = sorted(v for v in (inc.minutes(met.name) for inc in pm.incidents) if v is not None)
        n = len(vals)
        for stat in met.statistics:
            need = NEEDS.get(stat)
            if need is not None and 0 < n < need:
                few.append((i, met.name, stat, need, vals))
    if few:
        i, name, stat, need, vals = few[0]
        n = len(vals)
        q = 0.9 if stat == "p90" else 0.99
        k = int((n - 1) * q)   # the interpolation sits between the (k+1)-th and (k+2)-th smallest
        rank = min(n, math.ceil(q * n))
        others = sorted({f"{x[1]} {x[2]}" for x in few[1:]})
        loc = f"postmortem.metrics[{i}].statistics" if len({x[0] for x in few}) == 1 else "postmortem.metrics"
        ctx.find("percentile-of-few", loc,
                 f"{name} {stat} over n={n} incidents interpolates between the {_ord(k + 1)} ({vals[k]:,.0f} min) and the "
                 f"{_ord(min(n, k + 2))} ({vals[min(n - 1, k + 1)]:,.0f} min) smallest, a value no incident took; {stat} "
                 f"needs about {need} incidents" + (f" (so do {', '.join(others)})" if others else ""),
                 f"report n={n} and the order statistic, the {_ord(rank)} of {n} ({vals[rank - 1]:,.0f} min"
                 + (", the longest" if rank == n else "") + f"), and quote {stat} once there are {need} incidents",
                 severity="warning" if any(x[2] == "p99" for x in few) else None)
    _quoted_percentiles(ctx, n_inc)
    if n_inc >= TREND_MIN:
        return
    for loc, text in ctx.texts:
        if not loc.endswith((".name", ".title")) and _TREND.search(text):
            ctx.find("trend-from-few", loc,
                     f"claims a trend ({_TREND.search(text).group(0)!r}) over {n_inc} incident records",
                     f"state it as what the {n_inc} incidents show, each by id, and report a trend once there are "
                     f"{TREND_MIN} incidents, five on each side of the change")


def _ord(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


_QUOTED = re.compile(r"\bp(\d{2}(?:\.\d+)?)\b[^.;]{0,80}?\b(?:of|over|from|across|on)\s+(\d[\d,]*)\s*"
                     r"(requests|calls|samples|measurements|runs|incidents)\b"
                     r"|\b(\d[\d,]*)\s*(requests|calls|samples|measurements|runs|incidents)\b[^.;]{0,80}?\bp(\d{2}(?:\.\d+)?)\b",
                     re.IGNORECASE)


_PNN = re.compile(r"\bp\d\d", re.IGNORECASE)


def _quoted_percentiles(ctx: Review, n_inc: int) -> None:
    """Free text quoting a percentile over fewer observations than it needs: 'p99 over 40 requests'."""
    for loc, text in ctx.texts:
        if not _PNN.search(text):
            continue
        for m in _QUOTED.finditer(text):
            q, n, what = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(4), m.group(5))
            qv, nv = float(q) / 100, int(n.replace(",", ""))
            need = math.ceil(1 / (1 - qv)) if qv < 1 else None
            if need and nv < need:
                ctx.find("percentile-of-few", loc,
                         f"quotes p{q} over {nv} {what}: a p{q} needs about {need}; with {nv} it is the largest one seen",
                         f"say n={nv} and quote the order statistic (the largest of {nv}), or collect {need} {what}",
                         severity="warning")
