"""The exported LiteLLM YAML, unchanged but for hosts, run by the real LiteLLM proxy.

``litellm --config FILE`` (the ``proxy`` extra) starts once for the module on 127.0.0.1 with
``tests/data/router_design.yaml`` exported — the design with the most paths, retries and
special routes — against the local mocks of tests/gateway_mock.py. Start-up takes tens of
seconds on 2 cores, so the other designs are driven through the in-process ``litellm.Router``
the proxy wraps (tests/test_router_litellm.py); this test shows the proxy behaves the same.

Skips when the proxy's dependencies are missing; under ``CI`` it fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from fallbackkit import routers

from gateway_mock import base_urls, load_design, serving

ENV = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False", "NO_DOCS": "True",
       **{f"{k}_API_KEY": f"sk-test-{k.lower()}" for k in ("OPENAI", "ANTHROPIC", "GEMINI", "MISTRAL")}}


@pytest.fixture(scope="module")
def proxy(upstream, tmp_path_factory, free_port, unavailable):
    exe = shutil.which("litellm", path=str(Path(sys.executable).parent))
    try:
        import boto3  # noqa: F401  - the proxy refuses to start without it
        import fastapi  # noqa: F401
    except ImportError as exc:
        unavailable(f"the LiteLLM proxy needs the `proxy` extra (pip install -c constraints.txt -e '.[proxy]'): {exc}")
    design = load_design("router_design", "timeout")
    export = routers.litellm_config(design, base_urls(design, upstream))
    cfg = tmp_path_factory.mktemp("proxy") / "litellm.yaml"
    cfg.write_text(export.to_text())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [exe, "--config", str(cfg), "--host", "127.0.0.1", "--port", str(port)]
    with serving(cmd, url + "/health/liveliness", cfg.parent / "proxy.log", what="the LiteLLM proxy",
                 wait_s=180, pause_s=0.1, stop_s=10, env={**os.environ, **ENV}) as (_, startup):
        print(f"\nLiteLLM proxy started in {startup:.1f} s")
        yield {"url": url, "design": design, "export": export}


def ask(proxy, model: str) -> int:
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}]}).encode()
    req = urllib.request.Request(proxy["url"] + "/v1/chat/completions", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.parametrize("failure", list(routers.FAILURE_CLASSES))
def test_proxy_makes_the_calls_the_workflow_prescribes(failure, proxy, upstream):
    design, export = proxy["design"], proxy["export"]
    category = routers.FAILURE_CLASSES[failure]
    upstream.behave(failure)
    t0 = time.perf_counter()
    status = ask(proxy, routers.entry_path(design))
    observed = upstream.called()
    assert status >= 400
    assert observed == routers.expand(export.attempts[category])
    assert observed == routers.expand(routers.prescribed_attempts(design, category))
    assert all(auth.startswith("Bearer sk-test-") for _, auth in upstream.calls)
    print(f"proxy {failure}: {observed} in {time.perf_counter() - t0:.2f} s")


def test_proxy_answers_from_the_fallback(proxy, upstream):
    upstream.behave("5xx", ok=["backup"])
    assert ask(proxy, "primary") == 200
    assert upstream.called() == ["primary"] * 3 + ["backup"]
