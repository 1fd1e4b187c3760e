"""The exported LiteLLM config, loaded into the real ``litellm.Router``, against local upstreams.

Every model path points (``--base-url``) at a local OpenAI-compatible mock
(tests/gateway_mock.py) that answers 429, 500, a 400 context-length or content-policy error,
or stalls past the timeout; a socket guard fails the test on any connection that is not to
127.0.0.1. For every bundled design and failure class the calls each upstream received, in
order, must equal what the export says LiteLLM does (``export.attempts``) and what the
workflow prescribes (``routers.prescribed_attempts``) unless the export lists the difference.

Needs the optional ``router`` extra (``pip install -e .[router]``; ``make test`` installs it).
"""

from __future__ import annotations

import asyncio
import os
import socket

import pytest
import yaml

from fallbackkit import routers

# litellm fetches its model-cost map from the network at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

litellm = pytest.importorskip(
    "litellm", reason="litellm is not installed: the router test needs the optional extra "
                      "(pip install -c constraints.txt -e '.[router]'; `make test` installs it)")
from litellm import Router  # noqa: E402

from gateway_mock import DESIGNS, base_urls, cases, load_design  # noqa: E402

# litellm leaves its logging coroutines pending when asyncio.run closes the loop; harmless here.
pytestmark = pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
KEYS = ("OPENAI", "ANTHROPIC", "GEMINI", "MISTRAL", "AZURE", "GROQ")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail on any connection that is not to 127.0.0.1: the router must run fully offline."""
    real = socket.socket.connect

    def guarded(self, address, *a, **k):
        if not (isinstance(address, tuple) and address[0] in ("127.0.0.1", "::1")):
            raise AssertionError(f"network access attempted: {address!r}")
        return real(self, address, *a, **k)
    monkeypatch.setattr(socket.socket, "connect", guarded)
    for var in KEYS:
        monkeypatch.setenv(f"{var}_API_KEY", f"sk-test-{var.lower()}")


def build(design, upstream, monkeypatch=None) -> tuple[Router, routers.RouterExport]:
    export = routers.litellm_config(design, base_urls(design, upstream))
    # Through the text a user would save, so the YAML itself is what litellm loads.
    config = yaml.safe_load(export.to_text())
    router = Router(model_list=config["model_list"], **config["router_settings"])
    if monkeypatch is not None:
        # Backoff waits change no counts; litellm's own, skipped so the test takes seconds.
        monkeypatch.setattr(router, "_time_to_sleep_before_retry", lambda *a, **k: 0)
    return router, export


def call(router: Router, entry: str):
    async def one():
        try:
            return await router.acompletion(model=entry, messages=[{"role": "user", "content": "hi"}])
        except Exception as exc:  # noqa: BLE001 - the final error is part of the outcome
            return exc
    return asyncio.run(one())


@pytest.mark.parametrize("name,failure", cases())
def test_router_makes_the_calls_the_workflow_prescribes(name, failure, upstream, monkeypatch):
    design = load_design(name, failure)
    router, export = build(design, upstream, monkeypatch)
    category = routers.FAILURE_CLASSES[failure]
    upstream.behave(failure)
    outcome = call(router, routers.entry_path(design))
    observed = upstream.called()
    expected = routers.expand(export.attempts[category])
    assert observed == expected, f"{name}/{failure}: litellm called {observed}, export says {expected}"
    prescribed = routers.expand(routers.prescribed_attempts(design, category))
    if observed != prescribed:
        assert any(d.startswith(f"{failure} ({category})") for d in export.dropped), (observed, prescribed)
    else:
        assert not any(d.startswith(f"{failure} (") for d in export.dropped)
    assert isinstance(outcome, Exception)  # nothing left to try: the caller's static path takes over
    # The key came from the environment reference, never from the file.
    assert all(auth.startswith("Bearer sk-test-") for _, auth in upstream.calls), upstream.calls


@pytest.mark.parametrize("name", list(DESIGNS))
def test_router_answers_from_the_last_model_that_works(name, upstream, monkeypatch):
    design = load_design(name, "5xx")
    router, export = build(design, upstream, monkeypatch)
    last = export.attempts["dependency_failure"][-1][0]
    upstream.behave("5xx", ok=[last])
    outcome = call(router, routers.entry_path(design))
    assert not isinstance(outcome, Exception), outcome
    assert outcome.choices[0].message.content == f"answer from {last}"


def test_deployment_ids_are_distinct_and_retries_sit_on_the_deployment(upstream):
    design = load_design("router_design", "429")
    config = routers.litellm_config(design, base_urls(design, upstream)).config
    for dep in config["model_list"]:
        assert dep["model_info"]["id"] != dep["model_name"]
    by_name = {d["model_name"]: d["litellm_params"] for d in config["model_list"]}
    assert by_name["primary"]["num_retries"] == 2 and by_name["backup"]["num_retries"] == 0
    assert config["router_settings"]["num_retries"] == 0
    for p in design.matrix.paths:
        if p.model:
            assert by_name[p.id]["timeout"] == p.timeout_ms / 1000
            assert by_name[p.id]["api_key"].startswith("os.environ/")


def test_cooldown_cools_the_primary_and_never_the_backup(upstream, monkeypatch):
    """With every call a 429, the entry's breaker (allowed_fails) cools the primary down; the
    backup has no breaker (cooldown_time 0 on its deployment) and keeps being called."""
    design = load_design("router_design", "429")
    router, export = build(design, upstream, monkeypatch)
    allowed = export.config["router_settings"]["allowed_fails"]
    upstream.behave("429")
    per_request = []
    for _ in range(allowed // 3 + 4):
        before = len(upstream.calls)
        call(router, "primary")
        per_request.append(upstream.called()[before:])
    assert per_request[0] == ["primary"] * 3 + ["backup"] * 2
    cooled = [i for i, calls in enumerate(per_request) if "primary" not in calls]
    assert cooled, f"the primary was never cooled down: {per_request}"
    assert all(calls.count("backup") == 2 for calls in per_request), per_request


def test_same_ids_break_5xx_retries(upstream, monkeypatch):
    """The trap the distinct ids avoid: model_info.id == model_name stops 5xx retries."""
    design = load_design("router_design", "5xx")
    export = routers.litellm_config(design, base_urls(design, upstream))
    config = yaml.safe_load(export.to_text())
    for dep in config["model_list"]:
        dep["model_info"]["id"] = dep["model_name"]
    router = Router(model_list=config["model_list"], **config["router_settings"])
    monkeypatch.setattr(router, "_time_to_sleep_before_retry", lambda *a, **k: 0)
    upstream.behave("5xx")
    call(router, "primary")
    assert upstream.called()[:2] == ["primary", "backup"]


def test_cli_points_paths_at_custom_hosts(capsys):
    from fallbackkit.cli import main
    assert main(["router", str(DESIGNS["router_design"]), "--to", "litellm",
                 "--base-url", "primary=http://127.0.0.1:9/v1", "--base-url", "backup=http://127.0.0.1:9/b/"]) == 0
    config = yaml.safe_load(capsys.readouterr().out)
    by_name = {d["model_name"]: d["litellm_params"] for d in config["model_list"]}
    assert by_name["primary"]["api_base"] == "http://127.0.0.1:9/v1" and by_name["primary"]["model"] == "openai/gpt-4o-mini"
    assert by_name["backup"]["api_base"] == "http://127.0.0.1:9/b"
    assert "api_base" not in by_name["long_context"] and by_name["long_context"]["model"] == "gemini/gemini-2.0-flash"
    assert main(["router", str(DESIGNS["router_design"]), "--to", "portkey", "--base-url", "static=http://x"]) == 2
    assert "'static' is not a model path" in capsys.readouterr().err


def test_a_stream_that_breaks_after_the_first_token_does_not_fall_back(upstream, monkeypatch):
    """Observed, and said in the export's notes: the caller gets the partial answer and an error;
    the backup is never called."""
    design = load_design("router_design", "429")
    router, export = build(design, upstream, monkeypatch)
    upstream.behave("midstream", ok=["backup"])

    async def stream():
        text = []
        try:
            resp = await router.acompletion(model="primary", messages=[{"role": "user", "content": "hi"}], stream=True)
            async for chunk in resp:
                text.append(chunk.choices[0].delta.content or "")
        except Exception as exc:  # noqa: BLE001 - the error is the outcome
            return "".join(text), exc
        return "".join(text), None

    text, error = asyncio.run(stream())
    assert upstream.called() == ["primary"]
    assert text == "partial " and isinstance(error, litellm.APIConnectionError)
    assert any("after the first chunk does not fall back" in n for n in export.notes)
