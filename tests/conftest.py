import copy
import os
import shutil
import socket
from pathlib import Path

import pytest
import yaml

import fallbackkit as fk

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def default_data_master() -> dict:
    return yaml.safe_load(Path(fk.default_design_path()).read_text())


@pytest.fixture
def default_data(default_data_master) -> dict:
    """A fresh, mutable copy of the worked example as plain data."""
    return copy.deepcopy(default_data_master)


@pytest.fixture
def quiet_data(default_data) -> dict:
    """The worked example with every failure mode off, perfect paths and no breaker: the base of
    the simulator's closed-form tests, where only what a test sets can fail or slow a request."""
    for m in default_data["taxonomy"]["modes"]:
        m["occurrence"] = 0.0
    for p in default_data["matrix"]["paths"]:
        p["error_rate"] = 0.0
        p.pop("circuit_breaker", None)
    return default_data


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """The hand-made incident file of tests/incident_data.py, read once (its answers are in its comments)."""
    from incident_data import read_tiny
    return read_tiny(tmp_path_factory)


@pytest.fixture(scope="session")
def real():
    """The bundled real incident history."""
    from fallbackkit.incidents import IncidentLog
    return IncidentLog.bundled()


@pytest.fixture
def design_file(tmp_path) -> Path:
    """A copy of the worked example's file, for tests that edit or save a design on disk."""
    p = tmp_path / "design.yaml"
    shutil.copy(fk.default_design_path(), p)
    return p


class FakeClock:
    """A clock a test moves by hand: ``clock.now += 90``."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def write_design(tmp_path):
    def write(data: dict, name: str = "design.yaml") -> Path:
        p = tmp_path / name
        p.write_text(yaml.safe_dump(data, sort_keys=False))
        return p
    return write


# -- a real browser: Chromium from Debian packages, driven by Playwright -----------------------
CHROMIUM = os.environ.get("FALLBACKKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _missing(reason: str):
    """Skip with the reason; under CI (env var CI set) a missing tool is a failure, never a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so this test must run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def unavailable():
    """``unavailable(reason)``: skip when a real dependency (browser, node, a proxy) is missing,
    fail instead under CI."""
    return _missing


# -- local servers: a free port on 127.0.0.1, and the mock upstreams of tests/gateway_mock.py ---
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def free_port():
    """``free_port()``: a port on 127.0.0.1 nothing listens on (for a server a test starts)."""
    return _free_port


@pytest.fixture(scope="module")
def upstream():
    """The local OpenAI-compatible upstreams of tests/gateway_mock.py, one server per module."""
    from gateway_mock import Upstream
    up = Upstream()
    yield up
    up.close()


@pytest.fixture(scope="module")
def chromium() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _missing(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium` (`make test` does)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Playwright for Python is not installed (it is in the `test` extra)")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


# -- the fuzz suite (tests/test_fuzz_*.py): short by default, `--fuzz-long` for a real hunt ------------
def pytest_addoption(parser):
    parser.addoption("--fuzz-long", action="store_true", default=False,
                     help="fuzz suite: many more (and random, not derandomized) examples per property")


def pytest_configure(config):
    if config.getoption("--fuzz-long", default=False):
        os.environ["FALLBACKKIT_FUZZ_LONG"] = "1"  # read by tests/fuzzing.py when the fuzz tests are collected
