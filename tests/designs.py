"""Small complete designs for products unlike the bundled scenarios, as plain data.

``product(...)`` builds a design a committee would accept (no blocking finding, no warning):
a primary model, a fallback model on another provider, a last-resort static answer, seven
failure modes over the core categories, a UML workflow that routes all of them, and a loop
with three incidents. Tests mutate one field of it to plant one flaw.
"""

from __future__ import annotations

import copy

LEVELS = {
    "P0": {"criterion": "SLO attainment < 95% over 5 min, or > 20% of requests unserved over 5 min",
           "response": "page on-call now; incident commander within 5 min"},
    "P1": {"criterion": "error-budget burn rate > 14.4x over 1 h", "response": "page on-call; acknowledge within 15 min"},
    "P2": {"criterion": "error-budget burn rate > 3x over 1 day", "response": "ticket for the owning team, same day"},
    "P3": {"criterion": "error-budget burn rate > 1x over 3 days", "response": "backlog; weekly review"},
}


def _mode(id, name, category, severity, occurrence, metric, threshold, unit, window, path, owner="platform on-call"):
    return {"id": id, "name": name, "category": category, "trigger": f"{name.lower()} at the provider",
            "detection": {"metric": metric, "comparator": ">", "threshold": threshold, "unit": unit, "window": window},
            "severity": severity, "occurrence": occurrence, "detectability": 2,
            "user_effect": "the answer comes from the fallback", "mitigation": {"path": path},
            "runbook": {"id": f"RB-{id}", "title": name, "steps": ["Check the provider status page and the dashboard."]},
            "owner": owner, "references": ["HTTP 5xx"]}


def product(name: str, *, rpd: float = 500_000, peak: float = 30, percentile: float = 99, threshold: float = 3000,
            metric: str = "end_to_end", primary: dict | None = None, fallback: dict | None = None,
            ceiling: float = 20_000) -> dict:
    """A good design for ``name``; ``primary`` / ``fallback`` override fields of the two model paths."""
    prim = {"id": "primary", "name": "Primary model", "kind": "primary",
            "latency": {"p50_ms": 900, "p95_ms": 1500, "p99_ms": 2200}, "timeout_ms": 1800,
            "cost_per_1m_usd": 3000, "coverage_pct": 100, "error_rate": 0.01, "quality_delta": 0,
            "effort": "managed API; prompt upkeep", "model": "openai/gpt-4o", "region": "us-east-1",
            "circuit_breaker": {"failure_rate_threshold": 0.5, "window_s": 30, "min_requests": 20, "cooldown_s": 60}}
    fb = {"id": "backup", "name": "Backup model on another provider", "kind": "alternate_provider",
          "latency": {"p50_ms": 500, "p95_ms": 800, "p99_ms": 1000}, "timeout_ms": 1000,
          "cost_per_1m_usd": 1500, "coverage_pct": 100, "error_rate": 0.01, "quality_delta": -0.1,
          "effort": "second vendor contract; prompts kept in sync", "model": "anthropic/claude-3-5-haiku",
          "region": "us-west-2"}
    prim.update(primary or {})
    fb.update(fallback or {})
    static = {"id": "static", "name": "Static safe answer", "kind": "static_response",
              "latency": {"distribution": {"kind": "constant", "ms": 5}}, "cost_per_1m_usd": 0, "coverage_pct": 100,
              "quality_delta": -0.8, "effort": "one approved message"}
    modes = [
        _mode("slow", "Primary too slow", "latency_breach", "P2", 0.02, "primary_latency_p99_ms", 2000, "ms", "5m", "backup"),
        _mode("rate-limited", "Provider rate limit", "resource_exhaustion", "P2", 0.005, "http_429_rate", 1, "%", "5m", "backup"),
        _mode("errors", "Provider server errors", "dependency_failure", "P1", 0.01, "http_5xx_rate", 2, "%", "5m", "backup"),
        _mode("outage", "Provider outage", "provider_outage", "P0", 0.0005, "primary_success_rate", 50, "%", "1m", "backup"),
        _mode("overflow", "Context window exceeded", "context_window", "P3", 0.002, "context_length_errors", 0.5, "%",
              "15m", "backup"),
        _mode("unsafe", "Unsafe answer", "policy_violation", "P1", 0.001, "moderation_flag_rate", 0.5, "%", "15m", "static",
              owner="trust and safety"),
        _mode("low-confidence", "Low-confidence answer", "confidence_drop", "P2", 0.02, "low_confidence_share", 5, "%",
              "15m", "backup"),
    ]
    lane = "gateway"
    nodes = [{"id": "start", "kind": "initial", "partition": lane},
             {"id": "receive", "kind": "action", "label": "Receive request; start the deadline", "partition": lane},
             {"id": "call_primary", "kind": "action", "label": "Call the primary model", "partition": "provider",
              "path": "primary"},
             {"id": "ok1", "kind": "decision", "label": "Answered in time and safe?", "partition": lane},
             {"id": "signal", "kind": "fork", "partition": lane},
             {"id": "emit", "kind": "action", "label": "Emit failure signal", "partition": "oncall"},
             {"id": "sig_done", "kind": "flow_final", "partition": "oncall"},
             {"id": "call_backup", "kind": "action", "label": "Call the backup model", "partition": "provider",
              "path": "backup"},
             {"id": "ok2", "kind": "decision", "label": "Backup answered?", "partition": lane},
             {"id": "static", "kind": "action", "label": "Send the static answer", "partition": lane, "path": "static"},
             {"id": "answer", "kind": "merge", "partition": lane},
             {"id": "respond", "kind": "action", "label": "Send the answer", "partition": lane},
             {"id": "done", "kind": "activity_final", "partition": lane}]
    edges = [{"source": "start", "target": "receive"}, {"source": "receive", "target": "call_primary"},
             {"source": "call_primary", "target": "ok1"}, {"source": "ok1", "target": "answer", "guard": "ok"},
             {"source": "ok1", "target": "signal", "guard": "else", "handles": [m["id"] for m in modes]},
             {"source": "signal", "target": "emit"}, {"source": "emit", "target": "sig_done"},
             {"source": "signal", "target": "call_backup"}, {"source": "call_backup", "target": "ok2"},
             {"source": "ok2", "target": "answer", "guard": "ok"}, {"source": "ok2", "target": "static", "guard": "else"},
             {"source": "static", "target": "answer"}, {"source": "answer", "target": "respond"},
             {"source": "respond", "target": "done"}]
    stamp = lambda day, h, m: f"2026-10-{day:02d}T{h:02d}:{m:02d}:00Z"  # noqa: E731
    incidents = [
        {"id": "I-1", "title": "Provider outage", "severity": "P0", "failure_mode": "outage", "started": stamp(3, 10, 0),
         "detected": stamp(3, 10, 1), "acknowledged": stamp(3, 10, 3), "mitigated": stamp(3, 10, 5),
         "resolved": stamp(3, 10, 40)},
        {"id": "I-2", "title": "5xx burst", "severity": "P1", "failure_mode": "errors", "started": stamp(10, 9, 0),
         "detected": stamp(10, 9, 4), "acknowledged": stamp(10, 9, 8), "mitigated": stamp(10, 9, 20),
         "resolved": stamp(10, 10, 0)},
        {"id": "I-3", "title": "Rate limited at peak", "severity": "P2", "failure_mode": "rate-limited",
         "started": stamp(17, 18, 0), "detected": stamp(17, 18, 2), "acknowledged": stamp(17, 18, 10),
         "mitigated": stamp(17, 18, 30), "resolved": stamp(17, 19, 0)},
    ]
    return copy.deepcopy({
        "schema_version": 1,
        "context": {"name": name, "description": "", "traffic": {"requests_per_day": rpd, "peak_rps": peak},
                    "slo": {"percentile": percentile, "threshold_ms": threshold, "window_days": 28,
                            "measurement_point": "API gateway", "metric": metric},
                    "cost_ceiling_per_1m_usd": ceiling},
        "taxonomy": {"severity_levels": LEVELS, "modes": modes},
        "matrix": {"retry_budget_pct": 10, "paths": [prim, fb, static]},
        "workflow": {"partitions": [{"id": "gateway", "label": "Gateway"}, {"id": "provider", "label": "LLM provider"},
                                    {"id": "oncall", "label": "On-call"}],
                     "nodes": nodes, "edges": edges},
        "postmortem": {"owner": "SRE lead", "triggers": ["any P0 or P1 incident"],
                       "cadence": {"per_incident_within_days": 5, "weekly_review": "Tuesday"},
                       "metrics": [{"name": "time_to_detect", "statistics": ["median"], "target_median_min": 5},
                                   {"name": "time_to_resolve", "statistics": ["median"], "target_median_min": 60}],
                       "action_items": [
                           {"id": "A-1", "type": "detect", "title": "Page on primary success below 50% for 1 min",
                            "owner": "SRE lead", "due": "2026-12-01", "failure_mode": "outage", "incident": "I-1"},
                           {"id": "A-2", "type": "mitigate", "title": "Open the breaker at 50% errors over 30 s",
                            "owner": "platform", "due": "2026-12-08", "failure_mode": "errors", "incident": "I-2"}],
                       "incidents": incidents},
    })


def travel_agent() -> dict:
    """An agent that books trips with tool calls: every booking call carries an idempotency key."""
    return product("Travel booking agent", rpd=200_000, peak=12, threshold=8000,
                   primary={"name": "Planner model with booking tool calls", "side_effects": True, "idempotent": True,
                            "latency": {"p50_ms": 2500, "p95_ms": 4000, "p99_ms": 5000}, "timeout_ms": 5000},
                   fallback={"name": "Backup planner with the same tools", "side_effects": True, "idempotent": True,
                             "latency": {"p50_ms": 1200, "p95_ms": 2000, "p99_ms": 2500}, "timeout_ms": 2500})


def document_pipeline() -> dict:
    """A nightly batch that summarises contracts: minutes of slack, cost matters more than speed."""
    return product("Contract summarisation batch", rpd=3_000_000, peak=120, percentile=99, threshold=60_000,
                   primary={"latency": {"p50_ms": 8000, "p95_ms": 15000, "p99_ms": 25000}, "timeout_ms": 30000,
                            "model": "bedrock/anthropic.claude-3-sonnet", "region": "eu-west-1",
                            "circuit_breaker": {"failure_rate_threshold": 0.5, "window_s": 60, "min_requests": 100,
                                                "cooldown_s": 300}},
                   fallback={"latency": {"p50_ms": 6000, "p95_ms": 12000, "p99_ms": 20000}, "timeout_ms": 25000,
                             "model": "vertex_ai/gemini-1.5-flash", "region": "europe-west4"})


def voice_ivr() -> dict:
    """A phone IVR: the caller hears silence past 1.2 s, so first tokens are held to 1 s."""
    return product("Bank phone IVR", rpd=1_000_000, peak=60, percentile=99, threshold=1000,
                   metric="time_to_first_token",
                   primary={"latency": {"p50_ms": 250, "p95_ms": 350, "p99_ms": 480}, "timeout_ms": 500,
                            "model": "groq/llama-3.1-70b-versatile"},
                   fallback={"latency": {"p50_ms": 220, "p95_ms": 330, "p99_ms": 450}, "timeout_ms": 450,
                             "model": "together/meta-llama/Llama-3-8b-chat-hf", "region": "us-central"})


def medical_triage() -> dict:
    """A symptom triage assistant: unsafe advice goes to a vetted static answer and a nurse line."""
    return product("Medical triage assistant", rpd=80_000, peak=5, percentile=99.5, threshold=4000,
                   primary={"model": "azure/gpt-4o", "region": "eastus"},
                   fallback={"model": "anthropic/claude-3-5-sonnet", "latency": {"p50_ms": 900, "p95_ms": 1400,
                                                                                  "p99_ms": 1800},
                             "timeout_ms": 1800})


def code_review_bot() -> dict:
    """A bot that reviews pull requests: a comment may take a minute, never posts twice."""
    return product("Pull-request review bot", rpd=40_000, peak=3, percentile=99, threshold=120_000,
                   primary={"latency": {"p50_ms": 20000, "p95_ms": 45000, "p99_ms": 60000}, "timeout_ms": 60000,
                            "model": "anthropic/claude-sonnet-4"},
                   fallback={"latency": {"p50_ms": 15000, "p95_ms": 30000, "p99_ms": 45000}, "timeout_ms": 45000,
                             "model": "openai/gpt-4o-mini"})


PRODUCTS = {"travel-agent": travel_agent, "document-pipeline": document_pipeline, "voice-ivr": voice_ivr,
            "medical-triage": medical_triage, "code-review-bot": code_review_bot}
