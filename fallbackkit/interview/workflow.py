"""Workflow questions: trace a request, the fork, the breaker, standing alone."""

from __future__ import annotations

from .questions import Draft


def questions(q: Draft) -> None:
    """Add this artifact's trade-off questions to ``q``."""
    d, budget, paths, slo, prim, add = q.design, q.budget, q.paths, q.slo, q.primary, q.add
    wf = d.workflow
    order = [p for p in wf.path_order() if p in d.matrix.ids]
    labels = {n.id: (n.label or n.id) for n in wf.nodes}
    routed = [(e, m) for e in wf.edges for m in e.handles]
    if routed:
        e, mode_id = routed[min(len(routed) - 1, 2)]
        add("workflow.trace",
            f"Trace a request that fails with '{mode_id}' through the diagram: which guards does it pass, which paths does it try?",
            f"it leaves '{labels.get(e.source, e.source)}' on guard [{(e.guard or '').strip('[]')}] "
            f"to '{labels.get(e.target, e.target)}'; paths in flow order: {' → '.join(order)}.", "notation")
    if any(n.kind == "fork" for n in wf.nodes) and budget is not None and len(budget.rows) > 1:
        add("workflow.fork",
            "Why does the failure signal fork off instead of running before the fallback?",
            f"a fork emits the signal concurrently; in sequence it would spend part of the "
            f"{budget.rows[1].deadline_left_ms:,.0f} ms left when the first fallback starts.", "notation")
    if prim is not None and prim.circuit_breaker is not None and len(paths) > 1:
        rest = d.matrix.model_copy(deep=True)
        rest.paths = [p for p in rest.paths if p.id != prim.id]
        worst = rest.budget(slo).worst_case_ms
        cb = prim.circuit_breaker
        add("workflow.breaker",
            "When the breaker is open, what does a request skip, and what is its worst-case latency?",
            f"opens at {cb.failure_rate_threshold:.0%} failures over {cb.window_s:g} s (min {cb.min_requests} requests), "
            f"skips {prim.id} for {cb.cooldown_s:g} s; worst case without it {worst:,.0f} ms vs {slo.threshold_ms:g} ms.",
            "fault_tolerance")

    add("workflow.standalone",
        "Could the gateway team review this diagram without the other three artifacts? What does it name, and how?",
        f"it names {len(wf.invoked_paths)} fallback paths and {len(wf.handled_modes)} failure modes by id only; "
        f"{len(d.reference_problems())} references fail to resolve.", "consistency")
