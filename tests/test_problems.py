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
