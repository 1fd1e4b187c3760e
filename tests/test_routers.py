"""`fallbackkit router` and fallbackkit.routers: the LiteLLM and Portkey configs a workflow gives.

Mirrors the fallbackkit.routers package. The configs run by the real routers and gateways are
tests/test_router_litellm.py (the in-process ``litellm.Router``), tests/test_gateway_litellm_proxy.py
and tests/test_gateway_portkey.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

import fallbackkit as fk
from fallbackkit import routers
from cli_run import run

ROUTER_DESIGN = Path(__file__).parent / "data" / "router_design.yaml"


def test_router_cli_prints_config_and_what_was_dropped():
    code, out, err = run("router", str(ROUTER_DESIGN), "--to", "litellm")
    assert code == 0, err
    cfg = yaml.safe_load(out)
    assert [m["model_name"] for m in cfg["model_list"]] == ["primary", "backup", "long_context", "policy_alt"]
    assert cfg["router_settings"]["fallbacks"] == [{"primary": ["backup"]}]
    assert cfg["router_settings"]["context_window_fallbacks"] == [{"primary": ["long_context"]}]
    assert cfg["router_settings"]["content_policy_fallbacks"] == [{"primary": ["policy_alt"]}]
    assert cfg["router_settings"]["model_group_retry_policy"]["primary"]["RateLimitErrorRetries"] == 2
    assert cfg["router_settings"]["model_group_retry_policy"]["backup"]["TimeoutErrorRetries"] == 0
    assert "hedge on path 'primary'" in err
    assert "path 'static' (static_response) is not a model" in err
    assert "low-confidence" in err


def test_portkey_config_from_the_workflow():
    code, out, err = run("router", str(ROUTER_DESIGN), "--to", "portkey")
    assert code == 0, err
    cfg = json.loads(out)
    assert cfg["strategy"] == {"mode": "fallback", "on_status_codes": [408, 429, 500, 502, 503, 504]}
    assert [t["name"] for t in cfg["targets"]] == ["primary", "backup"]
    primary, backup = cfg["targets"]
    assert primary["provider"] == "openai" and primary["override_params"] == {"model": "gpt-4o-mini"}
    assert primary["request_timeout"] == 800 and primary["retry"] == {"attempts": 2, "on_status_codes": [408, 429, 500, 502, 503, 504]}
    assert backup["retry"] == {"attempts": 1, "on_status_codes": [429]}
    assert "cache" not in cfg  # the cache is met after a failure, which Portkey's cache cannot do
    assert "'context-overflow' (context_window) routes to ['long_context']" in err
    assert "hedge on path 'primary'" in err


def test_cache_first_design_gets_portkey_cache(default_data):
    paths = default_data["matrix"]["paths"]
    paths[0], paths[1] = paths[1], paths[0]  # cache, then primary
    wf = default_data["workflow"]
    # start → cache lookup → (miss) → primary ...: rewire the first flows
    wf["nodes"].append({"id": "early_cache", "kind": "action", "label": "Cache first", "partition": "gateway", "path": "cache"})
    wf["nodes"].append({"id": "early_hit", "kind": "decision", "label": "Hit?", "partition": "gateway"})
    wf["edges"][0] = {"source": "start", "target": "early_cache"}
    wf["edges"] += [{"source": "early_cache", "target": "early_hit"},
                    {"source": "early_hit", "target": "to_answer", "guard": "hit"},
                    {"source": "early_hit", "target": "receive", "guard": "else"}]
    d = fk.Design.from_dict(default_data, "cache_first.yaml")
    cfg = routers.portkey_config(d).config
    assert cfg["cache"] == {"mode": "semantic"}
    assert d.workflow.failure_walk()[:2] == ["cache", "primary"]


def test_router_needs_a_known_router():
    code, _, err = run("router", str(ROUTER_DESIGN), "--to", "nginx")
    assert code == 2 and "invalid choice" in err
