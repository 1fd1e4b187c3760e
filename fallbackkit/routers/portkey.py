"""The recovery workflow as a Portkey gateway config (``strategy: fallback`` over ``targets``).

Read from the open-source gateway (npm ``@portkey-ai/gateway`` 1.15.2, ``build/start-server.js``)
and checked by running it (tests/test_gateway_portkey.py, against local HTTP upstreams):

- provider names are the gateway's own (:data:`PROVIDERS`); an unknown one is a 400
  "Invalid config passed";
- a target without ``api_key`` sends ``Authorization: Bearer undefined`` upstream, so every
  target carries a placeholder (``<OPENAI_API_KEY>``) you replace with the key or a virtual key;
- the fallback loop moves to the next target only when the response status is in
  ``strategy.on_status_codes``; a target's ``retry`` repeats a call whose status is in its own
  ``on_status_codes`` and waits 1 s, 2 s, 4 s… between tries (async-retry, factor 2, no jitter);
- ``request_timeout`` (ms) aborts a call that has not answered and returns 408.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .common import (FAILURE_CLASSES, FALLBACK_STATUS_CODES, GENERIC, STATUS_CODES, RouterExport, common_drops,
                     deviations, entry_path, generic_chain, model_paths, provider_and_model)

if TYPE_CHECKING:  # pragma: no cover
    from ..design import Design

#: LiteLLM-style provider prefix (as the design's `model` spells it) → the gateway's provider name.
PROVIDERS = {
    "openai": "openai", "anthropic": "anthropic", "mistral": "mistral-ai", "azure": "azure-openai",
    "groq": "groq", "gemini": "google", "vertex_ai": "vertex-ai", "bedrock": "bedrock", "cohere": "cohere",
    "together_ai": "together-ai", "fireworks_ai": "fireworks-ai", "deepseek": "deepseek", "xai": "x-ai",
    "perplexity": "perplexity-ai", "ollama": "ollama", "openrouter": "openrouter", "cerebras": "cerebras",
    "deepinfra": "deepinfra", "huggingface": "huggingface",
}
#: The status the gateway sees for each failure class the tests drive (408: its own timeout).
FAILURE_STATUS = {"resource_exhaustion": 429, "dependency_failure": 500, "latency_breach": 408,
                  "context_window": 400, "policy_violation": 400}
AZURE_API_VERSION = "2024-10-21"


def key_placeholder(provider: str) -> str:
    """The ``api_key`` a target carries in the file: a name to replace, never a secret."""
    return f"<{provider.upper().replace('-', '_')}_API_KEY>"


def _codes(categories) -> list[int]:
    return sorted({c for cat in categories for c in STATUS_CODES.get(cat, ())})


def _target(p, base_url: str | None, drops: list[str]) -> dict:
    provider, model = provider_and_model(p.model)
    t: dict = {"name": p.id}
    if base_url:
        # A custom host speaks the OpenAI API: the gateway's `openai` provider with custom_host.
        t.update(provider="openai", custom_host=base_url, api_key=key_placeholder(provider))
    else:
        name = PROVIDERS.get(provider)
        if name is None:
            drops.append(f"provider {provider!r} of path {p.id!r} is not in fallbackkit's Portkey map; "
                         "the gateway rejects unknown providers — check its name or pass --base-url")
            name = provider
        t.update(provider=name, api_key=key_placeholder(provider))
        if name == "azure-openai":
            t.update(resource_name="<AZURE_RESOURCE_NAME>", deployment_id=model, api_version=AZURE_API_VERSION)
        if name == "vertex-ai":
            t.update(vertex_project_id="<GCP_PROJECT_ID>", vertex_region="<GCP_REGION>")
    t["override_params"] = {"model": model}
    if p.timeout_ms is not None:
        t["request_timeout"] = int(round(p.timeout_ms))
    if p.retry is not None and p.retry.max_retries:
        t["retry"] = {"attempts": p.retry.max_retries, "on_status_codes": _codes(p.retry.on)}
    return t


def expected_attempts(config: dict, category: str) -> list[tuple[str, int]]:
    """The calls the gateway makes with ``config`` when every target keeps failing with
    ``category`` — the model of the gateway's fallback loop the tests hold it to."""
    status = FAILURE_STATUS[category]
    on = config.get("strategy", {}).get("on_status_codes")
    out = []
    for t in config.get("targets", []):
        if status == 408 and "request_timeout" not in t:
            out.append((t["name"], 1))  # no timeout: the gateway waits for the late answer
            break
        retry = t.get("retry") or {}
        n = 1 + (retry.get("attempts", 0) if status in retry.get("on_status_codes", FALLBACK_STATUS_CODES) else 0)
        out.append((t["name"], n))
        if on is not None and status not in on:
            break
    return out


_WHY = {
    "context_window": "the gateway falls back only on strategy.on_status_codes, and a context-window error is a "
                      "400 like any bad request (the export leaves 400 out, or every malformed request would "
                      "be sent down the whole chain)",
    "policy_violation": "a content-policy rejection is a 400 like any bad request; the gateway cannot route it "
                        "apart from the main chain",
}


def portkey_config(design: "Design", base_urls: dict[str, str] | None = None) -> RouterExport:
    """A Portkey gateway config: ``strategy`` fallback over ``targets`` with retries and timeouts.

    ``base_urls`` maps path ids to OpenAI-compatible hosts (``--base-url PATH=URL``)."""
    base_urls = base_urls or {}
    mx = design.matrix
    walk = design.workflow.failure_walk()
    entry = entry_path(design)
    drops: list[str] = []
    notes = ["every target's api_key is a placeholder (<PROVIDER_API_KEY>): replace it with the key or a virtual "
             "key before use; without one the gateway sends 'Bearer undefined' upstream",
             "streaming: request_timeout (ms) bounds the wait for the response headers, i.e. the first chunk; "
             "a stream that breaks after the first chunk cannot fall back (the fallback loop reads only the "
             "status, 200 once streaming started; tested: only the first target is called)"]
    if entry is None:
        drops.append("no path has a `model`: Portkey has nothing to route")
        return RouterExport("portkey", {"strategy": {"mode": "fallback"}, "targets": []},
                            drops + common_drops(design, "Portkey"), {}, notes)
    chain = [entry] + generic_chain(design)
    targets = [_target(mx.path(pid), base_urls.get(pid), drops) for pid in chain]
    # Every failed call takes the workflow's [else] flow: 408, 429 and 5xx always fall back.
    config: dict = {"strategy": {"mode": "fallback", "on_status_codes": list(FALLBACK_STATUS_CODES)}}
    first_model = walk.index(entry)
    for p in (mx.path(i) for i in walk):
        if p.kind == "cache" and walk.index(p.id) < first_model:
            config["cache"] = {"mode": "semantic"}
            drops.append(f"cache path {p.id!r}: the open-source gateway ignores `cache` (it answers "
                         "x-portkey-cache-status: DISABLED); the managed Portkey gateway reads it")
        elif p.kind == "cache":
            drops.append(f"cache path {p.id!r} is met after a failure; Portkey's cache is looked up before the "
                         "first target, so it is left out (add cache: {mode: semantic} for cache-first)")
    config["targets"] = targets
    for m in design.taxonomy.modes:
        if m.category in ("context_window", "policy_violation"):
            mine = [x for x in model_paths(design, design.workflow.mode_route(m.id)) if x != entry]
            if mine:
                drops.append(f"failure mode {m.id!r} ({m.category}) routes to {mine}; Portkey sees a 400 and "
                             "does not fall back")
        elif m.category in GENERIC:
            mine = [x for x in model_paths(design, design.workflow.mode_route(m.id)) if x != entry]
            if mine != chain[1:]:
                drops.append(f"failure mode {m.id!r} ({m.category}) routes to {mine or 'no model'}; Portkey falls "
                             f"back along one list: {chain[1:] or 'no model'}")
    for p in mx.paths:
        if p.circuit_breaker is not None and p.model:
            drops.append(f"circuit breaker of {p.id!r}: this config has no breaker; Portkey retries and falls back per request")
    attempts = {cat: expected_attempts(config, cat) for cat in FAILURE_CLASSES.values()}
    drops += deviations(design, "Portkey", attempts, _WHY)
    drops += common_drops(design, "Portkey")
    return RouterExport("portkey", config, drops, attempts, notes)
