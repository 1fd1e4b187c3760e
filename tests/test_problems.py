"""Problems placed in their file: the public locate() and the field paths it reads."""

import fallbackkit as fk
from fallbackkit.files import read_document
from fallbackkit.problems import Problem, join_path, locate, split_path


def test_split_path_is_the_inverse_of_join_path():
    parts = ["matrix", "paths", 1, "retry", "max_retries"]
    assert join_path(parts) == "matrix.paths[1].retry.max_retries"
    assert split_path("matrix.paths[1].retry.max_retries") == parts
    assert split_path("") == []


def test_locate_names_the_file_and_the_line_of_the_field(tmp_path):
    path = tmp_path / "d.yaml"
    text = open(fk.default_design_path()).read()
    path.write_text(text)
    _, lines = read_document(str(path))
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.strip().startswith("occurrence:"))
    placed = locate(Problem("taxonomy.modes[0].occurrence", "a message"), str(path), lines)
    assert (placed.file, placed.line) == (str(path), line)
    assert str(placed) == f"{path}:{line}: taxonomy.modes[0].occurrence: a message"
    # without an index of lines: the file alone
    assert locate(Problem("taxonomy", "m"), "x.yaml") == Problem("taxonomy", "m", "x.yaml", None)


def test_locate_is_exported_where_problem_is():
    assert fk.locate is locate and "locate" in fk.__all__


def test_a_limit_names_its_parameter_and_what_it_expects():
    import math

    import numpy as np

    from fallbackkit.problems import Limit
    share = Limit("share", "a share between 0 and 1", lambda v: 0 <= v <= 1)
    assert share.problem(0.5) is None and share.problem(np.float64(1.0)) is None
    assert share.problem(2) == Problem("share", "is 2; expected a share between 0 and 1")
    assert share.named("error_rate").problem(-1).path == "error_rate"
    assert share.problem(3, "outages[1].error_rate").path == "outages[1].error_rate"
    # a number too long to print is shown short, a whole number of 19 digits in full
    from fallbackkit.problems import shown
    assert (shown(1e300), shown(2**63), shown(math.inf)) == ("1e+300", "9223372036854775808", "inf")


def test_the_interview_refuses_the_time_boxes_its_flag_refuses():
    import math

    import pytest

    from fallbackkit.interview import MockInterview
    from fallbackkit.problems import DesignError
    for minutes in (0, -1, math.nan, 601, True):
        with pytest.raises(DesignError) as err:   # a ValueError, as before
            MockInterview(fk.default_design(), minutes_per_artifact=minutes)
        assert [p.path for p in err.value.problems] == ["minutes_per_artifact"]
        assert "expected a time box in minutes, more than 0 and at most 600" in err.value.problems[0].message
    assert MockInterview(fk.default_design(), minutes_per_artifact=600).sessions[0].minutes == 600
