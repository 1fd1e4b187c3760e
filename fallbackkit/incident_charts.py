"""Charts of an incident log (Altair; every chart carries its data inline, so it renders
and saves offline — ``chart.save("ttr.svg")`` goes through vl-convert, no network)::

    from fallbackkit.incidents import IncidentLog
    from fallbackkit import incident_charts as ic
    log = IncidentLog.bundled()
    ic.ttr_ecdf(log)             # ECDF of time to resolve per provider (log scale)
    ic.stage_breakdown(log)      # median minutes per stage, per component
    ic.incidents_per_week(log)   # weekly incident counts stacked by provider

Each function also returns the table it plots via ``*_data(log)`` so a notebook (or a
test) can check the numbers behind the picture.
"""

from __future__ import annotations

from .incidents import NO_COMPONENT, IncidentLog

STAGE_METRICS = ["time_to_identify", "time_to_repair", "time_to_verify"]


def ttr_ecdf_data(log: IncidentLog):
    """Per provider: each measured time to resolve (minutes) and the share of incidents at or below it."""
    import pandas as pd
    d = log.durations()["time_to_resolve"]
    frames = []
    for prov, ids in log.frame.groupby("provider").groups.items():
        vals = d.loc[ids].dropna().sort_values().reset_index(drop=True)
        n = len(vals)
        frames.append(pd.DataFrame({"provider": prov, "minutes": vals.values,
                                    "share": [(i + 1) / n for i in range(n)], "n": n}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["provider", "minutes", "share", "n"])


def ttr_ecdf(log: IncidentLog):
    """ECDF of time to resolve per provider; incidents without a start stamp are not drawn (missing, not 0)."""
    import altair as alt
    data = ttr_ecdf_data(log)
    # a log axis cannot show 0; a 0-minute resolve is drawn at 0.5 min and its real value is in the tooltip
    data = data.assign(plotted=data["minutes"].clip(lower=0.5))
    return alt.Chart(data, title="Time to resolve per provider (ECDF)").mark_line(interpolate="step-after").encode(
        x=alt.X("plotted:Q", scale=alt.Scale(type="log"), title="time to resolve (minutes, log scale)"),
        y=alt.Y("share:Q", title="share of incidents resolved within", axis=alt.Axis(format="%")),
        color=alt.Color("provider:N"),
        tooltip=["provider:N", alt.Tooltip("minutes:Q", format=",.0f"), alt.Tooltip("share:Q", format=".0%"), "n:Q"],
    ).properties(width=480, height=280)


def stage_breakdown_data(log: IncidentLog):
    """Per component and stage: median minutes and how many incidents measured that stage."""
    import pandas as pd
    dur = log.durations()
    rows = []
    for comp in log.components:
        mask = [comp in c or (comp == NO_COMPONENT and not c) for c in log.frame["components"]]
        sub = dur[mask]
        for m in STAGE_METRICS:
            vals = sub[m].dropna()
            rows.append({"component": comp, "stage": m.removeprefix("time_to_"),
                         "median_minutes": float(vals.median()) if len(vals) else None, "measured": len(vals),
                         "incidents": int(sum(mask))})
    return pd.DataFrame(rows)


def stage_breakdown(log: IncidentLog):
    """Median minutes of identify / repair / verify per component (side by side: medians do not add up)."""
    import altair as alt
    data = stage_breakdown_data(log)
    return alt.Chart(data, title="Median minutes per lifecycle stage, per component").mark_bar().encode(
        y=alt.Y("component:N", title=None),
        x=alt.X("median_minutes:Q", title="median minutes"),
        color=alt.Color("stage:N", sort=["identify", "repair", "verify"]),
        yOffset=alt.YOffset("stage:N", sort=["identify", "repair", "verify"]),
        tooltip=["component:N", "stage:N", alt.Tooltip("median_minutes:Q", format=",.0f"), "measured:Q", "incidents:Q"],
    ).properties(width=420)


def incidents_per_week_data(log: IncidentLog):
    """Long table: week (Monday, UTC), provider, incidents — weeks without incidents included as 0."""
    wide = log.incidents_per_week()
    long = wide.reset_index().melt(id_vars="week", var_name="provider", value_name="incidents")
    long["week"] = long["week"].dt.strftime("%Y-%m-%d")
    return long


def incidents_per_week(log: IncidentLog):
    """Weekly incident counts, stacked by provider."""
    import altair as alt
    data = incidents_per_week_data(log)
    return alt.Chart(data, title="Incidents per week").mark_bar().encode(
        x=alt.X("week:T", title="week (UTC, Monday start)"),
        y=alt.Y("sum(incidents):Q", title="incidents"),
        color=alt.Color("provider:N"),
        tooltip=["week:T", "provider:N", "incidents:Q"],
    ).properties(width=620, height=220)


__all__ = ["ttr_ecdf", "ttr_ecdf_data", "stage_breakdown", "stage_breakdown_data",
           "incidents_per_week", "incidents_per_week_data"]
