"""Exercises generated from solution notebooks, and an isolated grader for learners' notebooks.

The solution notebook is the single source (the nbgrader convention; see
:mod:`~fallbackkit.exercises.markers`)::

    fallbackkit exercises start ex1 my-work/                  # a fresh copy of exercise 1
    fallbackkit exercises check my-work/ex1_failure_taxonomy.ipynb
    fallbackkit exercises build                              # packaged solutions -> exercises/
    fallbackkit grade submissions/ --exercise ex1 --out gradebook/

Grading runs the learner's cells in an isolated process and the visible and hidden tests in a
fresh grader process on the learner's values (:mod:`~fallbackkit.exercises.grade`). An
untouched exercise scores 0 with "not answered yet", never a crash.
"""

from __future__ import annotations

import os

from .build import annotate, build, exercise_from_solution, nbgrader_metadata
from .catalog import find, names, solution_for, solutions_dir, start
from .grade import Grade, QuestionResult, grade_notebook
from .isolation import Limits
from .key import Key, key_of, load_key
from .markers import (BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, HIDDEN_NOTE, STUB, TEST_HEADER,
                      ExerciseError, test_header)

__all__ = ["BEGIN_HIDDEN", "BEGIN_SOLUTION", "END_HIDDEN", "END_SOLUTION", "HIDDEN_NOTE", "STUB", "TEST_HEADER",
           "ExerciseError", "Grade", "Key", "Limits", "QuestionResult", "annotate", "build", "check",
           "exercise_from_solution", "find", "grade_notebook", "key_of", "load_key", "names",
           "nbgrader_metadata", "solution_for", "solutions_dir", "start", "test_header"]


def check(path: str | os.PathLike, *, solutions_dir: str | os.PathLike | None = None, timeout: int = 120) -> Grade:
    """Grade a learner's notebook wherever it lives: visible and hidden tests, score and feedback per question.

    ``timeout`` bounds each cell (seconds); the whole notebook gets ten times that.
    """
    return grade_notebook(path, solutions_dir=solutions_dir, limits=Limits(cell_s=timeout, wall_s=10 * timeout))
