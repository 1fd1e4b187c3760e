"""Bad arguments to the simulator: one clear problem each from the API, exit 2 from the CLI."""

import math
import subprocess
import sys

import pytest
import yaml

import fallbackkit as fk
from fallbackkit.problems import DesignError
from fallbackkit.simulation import Outage, simulate


@pytest.mark.parametrize("kwargs, path, says", [
    ({"rps": math.inf}, "rps", "finite number of requests per second"),
    ({"rps": math.nan}, "rps", "finite number of requests per second"),
    ({"rps": 1e-300}, "rps", "years of simulated time; expected at most 100 years"),
    ({"n_requests": math.inf}, "n_requests", "whole number of requests"),
    ({"n_requests": 1e300}, "n_requests", "is 1e+300;"),
    ({"bucket_s": math.inf}, "bucket_s", "expected seconds between"),
    ({"timeline_s": 0}, "timeline_s", "expected seconds between"),
    ({"outages": [Outage("primary", math.inf, 60)]}, "outages[0].start_s", "finite number of seconds"),
    ({"outages": [Outage("primary", 0, math.nan)]}, "outages[0].duration_s", "finite number of seconds"),
    ({"outages": ["primary:infm:5m"]}, "outage", "'inf' is not a finite number; expected a start ≥ 0"),
])
def test_the_api_refuses_with_one_clear_problem(kwargs, path, says):
    with pytest.raises(DesignError) as err:
        simulate(fk.default_design(), **kwargs)
    assert isinstance(err.value, ValueError)
    problems = err.value.problems
    assert len(problems) == 1 and problems[0].path == path and says in problems[0].message


def cli(*args):
    return subprocess.run([sys.executable, "-m", "fallbackkit", "simulate", *args, "--no-progress"],
                          capture_output=True, text=True, timeout=120)


# The CLI's argument types (issue 16) refuse these before the simulator's own checks run.
@pytest.mark.parametrize("args, says", [
    (["--rps", "inf"], "argument --rps: 'inf' is not a finite number"),
    (["--rps", "1e-300"], "argument --rps: '1e-300': expected an arrival rate in requests/s between 0.001"),
    (["--requests", "inf"], "argument --requests/-n: 'inf' is not a finite number"),
    (["--outage", "primary:infm:5m"], "argument --outage: 'inf' is not a finite number"),
])
def test_the_cli_exits_2_with_the_message(args, says):
    out = cli(fk.default_design_path(), *args)
    assert out.returncode == 2, out.stderr
    assert says in out.stderr and "Traceback" not in out.stderr


def test_an_infinite_cooldown_in_the_file_is_refused(tmp_path):
    data = yaml.safe_load(open(fk.default_design_path()))
    data["matrix"]["paths"][0]["circuit_breaker"]["cooldown_s"] = math.inf
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert ".inf" in path.read_text()
    out = cli(str(path))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "matrix.paths[0].circuit_breaker.cooldown_s" in out.stderr and "finite" in out.stderr
