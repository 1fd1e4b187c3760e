"""The simulator's argument rules, written once (fallbackkit.simulation.limits): the API
refuses what the command line refuses, in the same words, and the CLI shows a library
problem under the flag that set the value."""

import pytest

import fallbackkit as fk
from fallbackkit.cli import main
from fallbackkit.problems import DesignError
from fallbackkit.simulation import Outage, limits, simulate
from fallbackkit.simulation.replay import replay


@pytest.mark.parametrize("text, says", [
    ("primary:-1m:5m", "'-1m' is not a start ≥ 0"),
    ("primary:1m:0m", "'0m' is not a duration > 0"),
    ("primary:1m:2e9m", "'2e9m' is not a duration > 0"),
    ("primary:x:5m", "'x' is not a number; expected a start ≥ 0 such as 90s, 20m or 1h"),
    (":1m:5m", "expected PATH:START:DURATION"),
])
def test_outage_text_is_refused_by_the_api_as_by_the_cli(text, says):
    with pytest.raises(DesignError) as err:
        Outage.parse(text)
    [problem] = err.value.problems
    assert problem.path == "outage" and says in problem.message


def test_outage_text_reads_units_and_underscores():
    assert Outage.parse("primary:1_000s:1h") == Outage("primary", 1000.0, 3600.0)


def test_the_api_refuses_more_requests_than_the_cli_allows():
    with pytest.raises(DesignError) as err:
        simulate(fk.default_design(), limits.MAX_REQUESTS + 1)
    assert [p.path for p in err.value.problems] == ["n_requests"]
    assert limits.N_REQUESTS.expected in err.value.problems[0].message


def test_replay_refuses_a_seed_and_a_quiet_sample_out_of_range():
    with pytest.raises(DesignError) as err:
        replay(fk.default_design(), "bundled", seed=2**63, quiet_sample=0, degraded_error_rate=-0.5)
    assert [p.path for p in err.value.problems] == ["degraded_error_rate", "quiet_sample", "seed"]
    assert err.value.problems[2].message == "is 9223372036854775808; expected a seed between 0 and 2**63 - 1"


@pytest.mark.parametrize("flag, value, limit", [
    ("--requests", "0", limits.N_REQUESTS), ("--seed", str(2**63), limits.SEED),
])
def test_a_flag_is_refused_in_the_words_of_the_library(capsys, flag, value, limit):
    assert main(["simulate", fk.default_design_path(), flag, value]) == 2
    assert f"{value!r}: expected {limit.expected}" in capsys.readouterr().err


def test_a_replay_argument_problem_is_shown_under_its_flag(capsys):
    assert main(["replay", fk.default_design_path(), "--since", "2024-03-01", "--until", "2024-02-01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("command line: --until: the span is empty"), err


def test_simulate_holds_its_seed_to_the_rule_replay_and_the_flag_use():
    with pytest.raises(DesignError) as err:
        fk.simulate(fk.default_design(), n_requests=1000, seed=2**63)
    assert [(p.path, p.message) for p in err.value.problems] == [
        ("seed", f"is {2**63}; expected a seed between 0 and 2**63 - 1")]
    assert fk.simulate(fk.default_design(), n_requests=1000, seed=2**63 - 1).n_requests == 1000
