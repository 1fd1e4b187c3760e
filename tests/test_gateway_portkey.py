"""The exported Portkey config, run by the real open-source Portkey gateway, offline.

The gateway (npm ``@portkey-ai/gateway``, pinned in gateway/package.json + package-lock.json;
``make test`` runs ``npm ci``) starts once for the module, on 127.0.0.1 only, with
gateway/loopback.mjs preloaded so any outbound connection except to the loopback address is
refused. The config travels per request (``x-portkey-config``), so one gateway serves every
scenario. Upstreams are local mocks (tests/gateway_mock.py). For every bundled design and
failure class the calls each upstream received, in order, must equal what the export says
the gateway does (``export.attempts``) — which is what the workflow prescribes
(``routers.prescribed_attempts``) except where the export lists the difference.

Skips only when node or the installed gateway is missing; under ``CI`` it fails instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from fallbackkit import routers

from gateway_mock import DESIGNS, base_urls, cases, load_design, serving

ROOT = Path(__file__).resolve().parents[1]
GATEWAY_DIR = ROOT / "gateway"
SERVER = GATEWAY_DIR / "node_modules" / "@portkey-ai" / "gateway" / "build" / "start-server.js"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, free_port, unavailable):
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed: the Portkey gateway test needs Node.js (apt-get install nodejs npm)")
    if not SERVER.exists():
        unavailable(f"{SERVER} is missing: run `npm ci` in {GATEWAY_DIR} (`make test` does)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [node, "--import", "./loopback.mjs", str(SERVER), f"--port={port}", "--headless"]
    with serving(cmd, url + "/", tmp_path_factory.mktemp("portkey") / "gateway.log", what="the Portkey gateway",
                 wait_s=15, pause_s=0.05, stop_s=5, cwd=GATEWAY_DIR, env={**os.environ, "NODE_ENV": "test"}) as (proc, startup):
        print(f"\nPortkey gateway started in {startup:.2f} s")
        yield {"url": url, "startup_s": startup, "proc": proc}


def with_keys(config: dict) -> dict:
    """Replace every api_key placeholder with a fake key, as a user would with theirs."""
    text = json.dumps(config)
    return json.loads(re.sub(r"<([A-Z0-9_]+)_API_KEY>", lambda m: f"sk-test-{m.group(1).lower()}", text))


def ask(gateway: dict, config: dict) -> tuple[int, dict, dict]:
    body = json.dumps({"model": "ignored", "messages": [{"role": "user", "content": "hi"}]}).encode()
    req = urllib.request.Request(gateway["url"] + "/v1/chat/completions", data=body, method="POST", headers={
        "Content-Type": "application/json", "x-portkey-config": json.dumps(config)})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {"raw": raw.decode(errors="replace")}
        return e.code, dict(e.headers), payload


@pytest.mark.parametrize("name,failure", cases())
def test_gateway_makes_the_calls_the_workflow_prescribes(name, failure, gateway, upstream):
    design = load_design(name, failure)
    export = routers.portkey_config(design, base_urls(design, upstream))
    category = routers.FAILURE_CLASSES[failure]
    upstream.behave(failure)
    t0 = time.perf_counter()
    status, _, payload = ask(gateway, with_keys(export.config))
    elapsed = time.perf_counter() - t0
    assert status != 400 or "Invalid config" not in json.dumps(payload), payload  # the gateway took the config
    observed = upstream.called()
    expected = routers.expand(export.attempts[category])
    assert observed == expected, f"{name}/{failure}: gateway called {observed}, export says {expected}"
    prescribed = routers.expand(routers.prescribed_attempts(design, category))
    if observed != prescribed:
        listed = [d for d in export.dropped if d.startswith(f"{failure} ({category})")]
        assert listed, f"{name}/{failure}: gateway called {observed}, workflow prescribes {prescribed}, export is silent"
    else:
        assert not any(d.startswith(f"{failure} (") for d in export.dropped)
    # Credentials arrive as the user filled them in; never "Bearer undefined".
    for path_id, auth in upstream.calls:
        assert auth.startswith("Bearer sk-test-"), (path_id, auth)
    # Portkey's own waits between retries of one target: 1 s, 2 s, 4 s... (async-retry, factor 2).
    waits = sum(2 ** i for _, n in export.attempts[category] for i in range(n - 1))
    assert waits <= elapsed < waits + 1.5 + (0.5 if failure == "timeout" else 0) * len(observed), (elapsed, waits)
    print(f"{name}/{failure}: {len(observed)} call(s) in {elapsed:.2f} s, of which {waits} s retry waits")


@pytest.mark.parametrize("name", list(DESIGNS))
def test_gateway_answers_from_the_last_target_that_works(name, gateway, upstream):
    design = load_design(name, "429")
    export = routers.portkey_config(design, base_urls(design, upstream))
    targets = [t["name"] for t in export.config["targets"]]
    upstream.behave("5xx", ok=[targets[-1]])
    status, _, payload = ask(gateway, with_keys(export.config))
    assert status == 200, payload
    assert payload["choices"][0]["message"]["content"] == f"answer from {targets[-1]}"


def test_every_bundled_export_is_accepted_with_real_provider_names(gateway, upstream):
    """Without --base-url the targets name real providers; the gateway must accept each config
    (it answers 400 'Invalid config passed' otherwise) and then fails only on the way out."""
    for name in DESIGNS:
        config = with_keys(routers.portkey_config(load_design(name, "429")).config)
        # The loopback guard fails each outbound call with a 500; without the retries the check
        # skips Portkey's 1 s + 2 s waits (retry blocks are accepted in the tests above).
        for t in config["targets"]:
            t.pop("retry", None)
        status, _, payload = ask(gateway, config)
        assert "Invalid config" not in json.dumps(payload), (name, payload)
        assert status != 400, (name, payload)


def test_a_target_without_api_key_sends_bearer_undefined(gateway, upstream):
    """Why every target carries a key placeholder: the gateway's own behaviour without one."""
    design = load_design("router_design", "429")
    config = with_keys(routers.portkey_config(design, base_urls(design, upstream)).config)
    del config["targets"][0]["api_key"]
    upstream.behave("5xx", ok=["primary"])
    ask(gateway, config)
    assert upstream.calls[0] == ("primary", "Bearer undefined")


def test_a_path_with_neither_timeout_nor_retry_is_a_valid_target(gateway, upstream):
    design = load_design("router_design", "429")
    export = routers.portkey_config(design, base_urls(design, upstream))
    config = with_keys(export.config)
    bare = {k: v for k, v in config["targets"][0].items() if k not in ("request_timeout", "retry")}
    upstream.behave("429", ok=["primary"])
    status, _, payload = ask(gateway, {"strategy": config["strategy"], "targets": [bare]})
    assert status == 200, payload


def test_the_open_source_gateway_ignores_cache(gateway, upstream):
    design = load_design("router_design", "429")
    config = with_keys(routers.portkey_config(design, base_urls(design, upstream)).config)
    config["cache"] = {"mode": "semantic"}
    upstream.behave("429", ok=["primary"])
    statuses = []
    for _ in range(2):
        status, headers, _ = ask(gateway, config)
        assert status == 200
        statuses.append({k.lower(): v for k, v in headers.items()}.get("x-portkey-cache-status"))
    assert upstream.called() == ["primary", "primary"]  # the second identical request was not served from cache
    assert statuses == ["DISABLED", "DISABLED"]


def test_a_stream_that_breaks_after_the_first_token_does_not_fall_back(gateway, upstream):
    design = load_design("router_design", "429")
    export = routers.portkey_config(design, base_urls(design, upstream))
    config = with_keys(export.config)
    upstream.behave("midstream", ok=["backup"])
    body = json.dumps({"model": "x", "stream": True, "messages": [{"role": "user", "content": "hi"}]}).encode()
    req = urllib.request.Request(gateway["url"] + "/v1/chat/completions", data=body, method="POST", headers={
        "Content-Type": "application/json", "x-portkey-config": json.dumps(config)})
    received = b""
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            received = r.read()
    except (urllib.error.HTTPError, OSError):
        pass  # an error status or a broken stream: either way no fallback
    assert upstream.called() == ["primary"]
    assert b"answer from backup" not in received
    assert any("after the first chunk cannot fall back" in n for n in export.notes)
