"""The exported LiteLLM config, loaded into the real ``litellm.Router`` and driven offline.

Every deployment answers with litellm's own mocks (``mock_response`` naming a litellm
exception, ``mock_timeout``), so no request leaves the machine; a socket guard fails the
test if anything tries. For each failure category the test records which deployment each
call went to and checks the sequence — models and retry counts — against what the design's
workflow prescribes (``routers.prescribed_attempts``) and against a hand-written literal.

Needs the optional ``router`` extra (``pip install -e .[router]``; ``make test`` installs it).
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest
import yaml

import fallbackkit as fk
from fallbackkit import routers

# litellm fetches its model-cost map from the network at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

litellm = pytest.importorskip(
    "litellm", reason="litellm is not installed: the router test needs the optional extra "
                      "(pip install -c constraints.txt -e '.[router]'; `make test` installs it)")
from litellm import Router  # noqa: E402

DESIGN = Path(__file__).parent / "data" / "router_design.yaml"
# litellm leaves its logging coroutines pending when asyncio.run closes the loop; harmless here.
pytestmark = pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")

#: What each failure category looks like to litellm: deployment params that make a call fail so.
MOCKS = {
    "resource_exhaustion": {"mock_response": "litellm.RateLimitError"},
    "dependency_failure": {"mock_response": "litellm.InternalServerError"},
    "context_window": {"mock_response": "litellm.ContextWindowExceededError"},
    # OpenAI's wording of a rejected prompt; litellm maps it to ContentPolicyViolationError.
    "policy_violation": {"mock_response": "Exception: content_filter_policy: invalid_request_error content_policy_violation"},
    "latency_breach": {"mock_timeout": True},
}


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail on any outbound connection: the router must run fully offline."""
    def refuse(self, address, *a, **k):
        raise AssertionError(f"network access attempted: {address!r}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    for var in ("OPENAI", "ANTHROPIC", "GEMINI", "MISTRAL"):
        monkeypatch.setenv(f"{var}_API_KEY", "sk-test-not-a-key")


@pytest.fixture(scope="module")
def design():
    return fk.load(DESIGN)


@pytest.fixture(scope="module")
def config(design):
    # Through the text a user would save, so the YAML itself is what litellm loads.
    return yaml.safe_load(routers.litellm_config(design).to_text())


def drive(config: dict, fail: str, succeed: str | None = None, monkeypatch=None) -> tuple[list[str], object]:
    """Run one request through a Router built from ``config``; every deployment fails with
    category ``fail`` except ``succeed``. Returns the deployments called, in order, and the
    response (or the exception the router finally raised)."""
    model_list = []
    for dep in config["model_list"]:
        dep = {**dep, "litellm_params": dict(dep["litellm_params"])}
        if dep["model_name"] == succeed:
            dep["litellm_params"]["mock_response"] = f"answer from {succeed}"
        else:
            dep["litellm_params"].update(MOCKS[fail])
        model_list.append(dep)
    router = Router(model_list=model_list, **config["router_settings"])
    # Backoff waits change no counts; skip them so the test takes milliseconds, not seconds.
    monkeypatch.setattr(router, "_time_to_sleep_before_retry", lambda *a, **k: 0)

    calls: list[str] = []
    real = litellm.acompletion

    async def recording(*args, **kwargs):
        calls.append((kwargs.get("model_info") or {}).get("id"))
        return await real(*args, **kwargs)

    monkeypatch.setattr(litellm, "acompletion", recording)
    entry = routers.entry_path(fk.load(DESIGN))

    async def one():
        try:
            return await router.acompletion(model=entry, messages=[{"role": "user", "content": "hi"}])
        except Exception as exc:  # noqa: BLE001 - the final error is part of the outcome
            return exc

    return calls, asyncio.run(one())


def expand(attempts: list[tuple[str, int]]) -> list[str]:
    return [pid for pid, n in attempts for _ in range(n)]


# Hand-derived from tests/data/router_design.yaml: primary retries 2x on 429/5xx/timeouts,
# backup retries 1x on 429 only; context overflow goes to long_context, a blocked input
# to policy_alt; neither is retried.
EXPECTED = {
    "resource_exhaustion": ["primary"] * 3 + ["backup"] * 2,
    # LiteLLM cannot retry a 5xx on a one-deployment group; the export says so (see below).
    "dependency_failure": ["primary", "backup"],
    "latency_breach": ["primary"] * 3 + ["backup"],
    "context_window": ["primary", "long_context"],
    "policy_violation": ["primary", "policy_alt"],
}


@pytest.mark.parametrize("category", list(EXPECTED))
def test_router_follows_the_workflow_when_every_model_fails(category, design, config, monkeypatch):
    calls, outcome = drive(config, category, monkeypatch=monkeypatch)
    prescribed = expand(routers.prescribed_attempts(design, category))
    if category == "dependency_failure":
        # The design retries 5xx twice on primary; LiteLLM cannot, and the export reports it.
        assert prescribed == ["primary"] * 3 + ["backup"]
        dropped = routers.litellm_config(design).dropped
        assert any("5xx" in d and "'primary'" in d for d in dropped), dropped
        prescribed = [p for p, _ in routers.prescribed_attempts(design, category)]
    assert prescribed == EXPECTED[category]
    assert calls == prescribed, f"{category}: litellm tried {calls}, the workflow prescribes {prescribed}"
    assert isinstance(outcome, Exception)  # nothing left to try: the caller's static path takes over


@pytest.mark.parametrize("category,rescuer", [
    ("resource_exhaustion", "backup"),
    ("context_window", "long_context"),
    ("policy_violation", "policy_alt"),
])
def test_router_answers_from_the_prescribed_fallback(category, rescuer, config, monkeypatch):
    calls, outcome = drive(config, category, succeed=rescuer, monkeypatch=monkeypatch)
    assert not isinstance(outcome, Exception), outcome
    assert outcome.choices[0].message.content == f"answer from {rescuer}"
    assert calls[-1] == rescuer and calls[0] == "primary"
    assert calls.count("primary") == (3 if category == "resource_exhaustion" else 1)


def test_timeouts_come_from_the_matrix(config, design):
    by_name = {d["model_name"]: d["litellm_params"] for d in config["model_list"]}
    for p in design.matrix.paths:
        if p.model:
            assert by_name[p.id]["timeout"] == p.timeout_ms / 1000
    cb = design.matrix.path("primary").circuit_breaker
    assert config["router_settings"]["cooldown_time"] == cb.cooldown_s
    assert config["router_settings"]["allowed_fails"] == 10  # 50% of 20 requests
