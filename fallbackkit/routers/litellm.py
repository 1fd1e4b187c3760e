"""The recovery workflow as a LiteLLM Router / proxy config (``model_list`` + ``router_settings``).

Read from litellm 1.97.0's ``router.py`` and ``router_utils/`` and checked by running the
real Router (tests/test_router_litellm.py, against local HTTP upstreams):

- every deployment gets ``model_info.id`` distinct from its ``model_name`` (``<path>-deployment``):
  when they are equal, litellm reads each request for the group as a request for that one
  deployment, finds no healthy deployments, stops retrying errors the retry policy does not
  name (5xx) and never cools the deployment down;
- retries live on the deployment: ``litellm_params.num_retries`` (used for errors the retry
  policy does not name, i.e. 5xx) and ``model_group_retry_policy[group]`` for the named
  classes (timeouts, 429, content policy, bad request); the router-wide ``num_retries`` is 0,
  so a path without a retry policy is tried once;
- cooldowns: ``allowed_fails`` is router-wide in litellm, so a deployment without a circuit
  breaker gets ``litellm_params.cooldown_time: 0`` — litellm skips cooldown logic for it
  (``_should_run_cooldown_logic``) — and the backup keeps answering while the entry is cooled.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .common import (FAILURE_CLASSES, GENERIC, RouterExport, common_drops, deviations, entry_path,
                     generic_chain, model_paths, occurs_on, provider_and_model, retries)

if TYPE_CHECKING:  # pragma: no cover
    from ..design import Design

#: LiteLLM RetryPolicy field → the design category whose errors LiteLLM raises as that class.
#: RetryPolicy also has InternalServerErrorRetries, but litellm 1.97's
#: ``get_num_retries_from_retry_policy`` never reads it: 5xx retries come from the
#: deployment's ``num_retries`` instead.
RETRY_FIELDS: dict[str, str | None] = {
    "TimeoutErrorRetries": "latency_breach",
    "RateLimitErrorRetries": "resource_exhaustion",
    "ContentPolicyViolationErrorRetries": "policy_violation",
    "BadRequestErrorRetries": "context_window",
    "AuthenticationErrorRetries": None,
}
#: Design category → the retry-policy field litellm consults for it (None: deployment num_retries).
_FIELD_OF = {cat: f for f, cat in RETRY_FIELDS.items() if cat}

#: Provider names as LiteLLM spells them (the design's `model` prefix already is LiteLLM's;
#: other gateways' spellings are accepted too).
PROVIDERS = {"azure-openai": "azure", "mistral-ai": "mistral", "together-ai": "together_ai",
             "fireworks-ai": "fireworks_ai", "vertex-ai": "vertex_ai", "x-ai": "xai",
             "perplexity-ai": "perplexity", "google": "gemini"}


def deployment_id(path_id: str) -> str:
    """The ``model_info.id`` of a path's deployment: never equal to its ``model_name``."""
    return f"{path_id}-deployment"


def _secret_ref(provider: str) -> str:
    return f"os.environ/{provider.upper().replace('-', '_')}_API_KEY"


def _deployment(design: "Design", p, base_url: str | None) -> dict:
    provider, name = provider_and_model(p.model)
    provider = PROVIDERS.get(provider, provider)
    # A custom host speaks the OpenAI API (vLLM, TGI, a proxy): litellm's `openai/` provider.
    model = f"openai/{name}" if base_url else f"{provider}/{name}"
    params: dict = {"model": model, "api_key": _secret_ref(provider)}
    if base_url:
        params["api_base"] = base_url
    if p.timeout_ms is not None:
        params["timeout"] = p.timeout_ms / 1000
        if design.context.slo.metric == "time_to_first_token":
            params["stream_timeout"] = p.timeout_ms / 1000
    params["num_retries"] = max(retries(p, "dependency_failure"), retries(p, "provider_outage"))
    params["cooldown_time"] = p.circuit_breaker.cooldown_s if p.circuit_breaker is not None else 0
    return {"model_name": p.id, "litellm_params": params, "model_info": {"id": deployment_id(p.id)}}


def _special_fallbacks(design: "Design", entry: str, drops: list[str]) -> dict:
    """context_window_fallbacks / content_policy_fallbacks for the entry group."""
    settings: dict = {}
    for cat, key in (("context_window", "context_window_fallbacks"), ("policy_violation", "content_policy_fallbacks")):
        chains: dict[tuple, str] = {}
        for m in design.taxonomy.modes:
            if m.category != cat:
                continue
            if occurs_on(design, m) != entry:
                drops.append(f"failure mode {m.id!r} occurs on {occurs_on(design, m)!r}; LiteLLM routes {cat} "
                             f"errors per model group, and only the entry group {entry!r} is routed here")
                continue
            chain = tuple(x for x in model_paths(design, design.workflow.mode_route(m.id)) if x != entry)
            chains.setdefault(chain, m.id)
        if chains:
            first = next(iter(chains))
            # An empty list is kept on purpose: litellm then raises instead of sending the
            # error along the generic `fallbacks` (the design routes it to no model).
            settings[key] = [{entry: list(first)}]
            for chain, mid in list(chains.items())[1:]:
                drops.append(f"failure mode {mid!r} routes to {list(chain) or 'no model'}; LiteLLM keeps one "
                             f"{key} list per model group ({list(first) or 'no model'})")
    return settings


def _breaker(design: "Design", entry: str, settings: dict, drops: list[str]) -> None:
    cb = design.matrix.path(entry).circuit_breaker
    if cb is not None:
        settings["allowed_fails"] = max(1, math.ceil(cb.failure_rate_threshold * cb.min_requests))
        settings["cooldown_time"] = cb.cooldown_s
        drops.append(f"circuit breaker of {entry!r} is approximated: LiteLLM cools a deployment down after "
                     f"{settings['allowed_fails']} failures in a minute, not at a {cb.failure_rate_threshold:.0%} "
                     f"failure rate over {cb.window_s:g} s")
    for p in design.matrix.paths:
        if p.id != entry and p.model and p.circuit_breaker is not None:
            drops.append(f"circuit breaker of {p.id!r}: LiteLLM's allowed_fails is router-wide; the entry path's "
                         f"({entry!r}) count is used, with {p.id!r}'s own cooldown_time")


def expected_attempts(config: dict, category: str) -> list[tuple[str, int]]:
    """The attempts litellm 1.97 makes with ``config`` when every deployment keeps failing with
    ``category`` — the model of litellm's retry and fallback code the tests hold it to."""
    deps = {d["model_name"]: d for d in config["model_list"]}
    rs = config["router_settings"]
    entry = next(iter(rs.get("fallbacks", [{}])[0]), None) if rs.get("fallbacks") else None
    entry = entry or (config["model_list"][0]["model_name"] if config["model_list"] else None)
    if entry is None:
        return []

    def tries(group: str) -> int:
        field = _FIELD_OF.get(category)
        policy = rs.get("model_group_retry_policy", {}).get(group, {})
        if field is not None and policy.get(field) is not None:
            return 1 + policy[field]
        return 1 + deps[group]["litellm_params"].get("num_retries", rs.get("num_retries", 0))

    key = {"context_window": "context_window_fallbacks", "policy_violation": "content_policy_fallbacks"}.get(category)
    lists = rs.get(key) if key and rs.get(key) else rs.get("fallbacks", [])
    chain = next((d[entry] for d in lists if entry in d), [])
    return [(g, tries(g)) for g in [entry, *chain]]


def litellm_config(design: "Design", base_urls: dict[str, str] | None = None) -> RouterExport:
    """A LiteLLM Router / proxy config (``model_list`` + ``router_settings``).

    ``base_urls`` maps path ids to OpenAI-compatible hosts (``--base-url PATH=URL``)."""
    base_urls = base_urls or {}
    models = [p for p in design.matrix.paths if p.model]
    entry = entry_path(design)
    drops: list[str] = []
    model_list = [_deployment(design, p, base_urls.get(p.id)) for p in models]
    # Router-wide defaults stay 0: every retry the design prescribes is written per group.
    settings: dict = {"num_retries": 0}
    notes = ["credentials are references (os.environ/<PROVIDER>_API_KEY); the proxy reads them from the environment"]
    if entry is not None:
        generic = generic_chain(design)
        settings["fallbacks"] = [{entry: generic}]
        settings.update(_special_fallbacks(design, entry, drops))
        for m in design.taxonomy.modes:
            if m.category in GENERIC and occurs_on(design, m) == entry:
                chain = [x for x in model_paths(design, design.workflow.mode_route(m.id)) if x != entry]
                if chain != generic:
                    drops.append(f"failure mode {m.id!r} ({m.category}) routes to {chain or 'no model'}; LiteLLM "
                                 f"sends every such error along one list: {generic or 'no model'}")
        settings["model_group_retry_policy"] = {
            p.id: {f: retries(p, cat) if cat else 0 for f, cat in RETRY_FIELDS.items()} for p in models}
        _breaker(design, entry, settings, drops)
    else:
        drops.append("no path has a `model`: LiteLLM has nothing to route")
    for p in (p for p in design.matrix.paths if p.kind == "cache"):
        drops.append(f"cache path {p.id!r}: LiteLLM's cache is looked up before the call, not after a failure; "
                     "keep the fallback cache in your application (or enable litellm_settings.cache for cache-first)")
    notes.append("streaming: a stream that breaks after the first chunk does not fall back (litellm 1.97 with "
                 "this config raises APIConnectionError after the partial answer; tested)"
                 + ("; stream_timeout (s) bounds the wait for the first chunk"
                    if design.context.slo.metric == "time_to_first_token" else ""))
    config = {"model_list": model_list, "router_settings": settings}
    attempts = {cat: expected_attempts(config, cat) for cat in FAILURE_CLASSES.values()} if entry else {}
    drops += deviations(design, "LiteLLM", attempts, {})
    drops += common_drops(design, "LiteLLM")
    return RouterExport("litellm", config, drops, attempts, notes)
