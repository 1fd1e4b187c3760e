"""The mock interview: questions from the design's findings and trade-offs, answers, scorecard."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import fallbackkit as fk
from fallbackkit.review import CRITERIA
from fallbackkit.interview import NO_ANSWER, MockInterview

from cli_run import run
from mutations import REFERENCE, design_of, drop_modes, path

ROOT = Path(__file__).resolve().parent.parent


def test_interview_asks_the_design_own_tradeoffs_with_computed_hints():
    iv = MockInterview(fk.default_design())
    qs = {q.id: q for q in iv.questions()}
    assert [s.artifact for s in iv.sessions] == ["taxonomy", "matrix", "workflow", "postmortem"]
    # findings first (the worked example has one note), then the flaw classes it comes close to, then trade-offs
    assert [len(s.questions) for s in iv.sessions] == [4, 4, 4, 4]
    assert [q.id for q in iv.sessions[1].questions] == ["matrix.close-plausibility", "matrix.close-correlated",
                                                       "matrix.rule-engine-vs-llm", "matrix.slo"]
    q = qs["matrix.rule-engine-vs-llm"]
    assert q.text == "Why a rule engine over a second-stage LLM? Quantify."
    assert "p99 20 ms, $5.00 per 1M" in q.hint and "35 ms of the deadline left" in q.hint
    assert "worst case without it 57 ms vs 150 ms" in qs["workflow.breaker"].hint
    assert "median 73 min, p90 1880 min, mean 672 min" in qs["postmortem.median-not-mean"].hint
    assert [q.source for q in iv.questions() if q.source.startswith("finding:")] == ["finding:percentile-of-few"]
    # the near-flaws crowd out the generic coverage and stand-alone questions; every other criterion is probed
    assert {q.criterion for q in qs.values()} == set(CRITERIA) - {"taxonomy", "consistency"}


def test_weakest_findings_lead_their_session(default_data):
    path(default_data, "primary").update(price_per_call_usd=0.0004)
    iv = MockInterview(design_of(default_data))
    first = iv.sessions[1].questions[0]
    assert first.source == "finding:price-inconsistent"
    assert "$400.00 per 1M calls" in first.text and "cost_per_1m_usd: 400" in first.hint


def test_scripted_interview_runs_headless_and_scores():
    iv = MockInterview(fk.default_design(), minutes_per_artifact=5)
    card = iv.run_scripted({
        "taxonomy.close-detection": ("The 1 min window burns 2.48% of the 40.3 min budget.", 250),
        "taxonomy.close-p0": ("SRE lead, paged within 5 min.", 240),  # past 5 minutes: late
        "matrix.rule-engine-vs-llm": "35 ms left; rule engine p99 20 ms at $5 per 1M vs an LLM at $1,200.",
        "*": "I would have to check.",
    })
    assert iv.finished
    assert card.summary() == "16/16 questions answered, 3 with a number; rubric: 9/9 criteria at least Strong"
    tax = iv.sessions[0]
    assert [a.seconds for a in tax.answers] == [250, 240, 60, 60]
    assert [a.late for a in tax.answers] == [False, True, True, True]
    assert tax.over_time and not iv.sessions[1].over_time
    rows = card.session_rows()
    assert rows[0] == {"artifact": "Failure taxonomy", "questions": 4, "answered": 4, "quantified": 2,
                       "minutes used": 10.2, "minutes allotted": 5, "on time": "no", "interviewer mark": None}
    md = card.to_markdown()
    assert "| Budget arithmetic and feasibility | **Very Strong (5/5)** | 1/1 answered, 0 with a number |" in md
    assert "_(1.0 min, late, no number)_" in md
    assert "*A strong answer cites:*" in md and "*A strong answer cites:*" not in card.to_markdown(hints=False)


def test_vague_answer_is_tagged_in_the_transcript():
    iv = MockInterview(fk.default_design(), artifacts=["matrix"])
    card = iv.run_scripted(["The rule engine is cheaper and faster."])
    assert iv.sessions[0].answers[0].vague_claims == ["The rule engine is cheaper and faster."]
    assert "_(1.0 min, no number, vague: 'The rule engine is cheaper and faster.')_" in card.to_markdown()


def test_a_severity_name_is_not_a_number():
    iv = MockInterview(fk.default_design(), artifacts=["taxonomy"])
    # riskiest mode (a cited question), then the hardest-to-detect one (a proposal: a new number is fine)
    iv.sessions[0].questions = iv.sessions[0].questions[2:]
    iv.run_scripted(["It is a P1 because p99 breaks.", "A canary every 60 s."])
    assert [a.quantified for a in iv.sessions[0].answers[:2]] == [False, True]


@pytest.mark.parametrize("answer,ok", [
    ("42", False),                                   # a bare number carries no unit
    ("42 ms", False),                                # the unit asked, but no number of this design
    ("2.48% of the 40.3 min budget", True),          # the kit's own arithmetic
    ("about 2.5%", True),                            # within 5% of 2.48%
    ("$5 per 1M", False),                            # a number, of a kind this question does not ask
    ("P0 pages in 5", False),
])
def test_an_answer_is_quantified_by_unit_and_consistency(answer, ok):
    iv = MockInterview(fk.default_design(), artifacts=["taxonomy"])
    assert iv.current_question is iv.sessions[0].questions[0]     # known before the clock starts
    iv.start()
    assert iv.current_question.id == "taxonomy.close-detection"
    assert iv.answer(answer).quantified is ok


def test_scripted_answers_belong_to_their_design():
    answers = {"design": "Support chat assistant", "*": "35 ms left; p99 20 ms at $5 per 1M"}
    own = MockInterview(fk.default_design(), artifacts=["matrix"]).run_scripted(answers)
    assert own.note == "" and own.session_rows()[0]["answered"] == 4
    other = MockInterview(fk.load(REFERENCE[1]), artifacts=["matrix"])
    card = other.run_scripted(answers)
    assert card.session_rows()[0]["answered"] == 0
    assert "written for 'Support chat assistant'" in card.note and "*Note:*" in card.to_markdown()


def test_header_counts_are_the_table_sums():
    iv = MockInterview(fk.default_design(), artifacts=["taxonomy", "matrix"])
    iv.start()
    iv.answer("2.48% of the 40.3 min budget")
    card = iv.scorecard()   # unfinished: the header counts every question, like the table
    rows = card.session_rows()
    assert card.summary().startswith(f"1/{sum(r['questions'] for r in rows)} questions answered, 1 with a number")


def test_a_hint_never_offers_the_flaw_as_the_answer(default_data):
    default_data["taxonomy"]["modes"][0]["owner"] = "TBD"    # the riskiest mode: its walk-through cites the owner
    iv = MockInterview(design_of(default_data))
    q = next(q for q in iv.questions() if q.id == "taxonomy.riskiest-mode")
    assert "owner TBD" not in q.hint and "owner (flagged: name the team or rota that is paged" in q.hint


def test_scorecard_escapes_user_text(default_data):
    iv = MockInterview(fk.default_design(), artifacts=["matrix"])
    card = iv.run_scripted({"*": "<img src=x onerror=alert(1)> costs $5 | *bold*"})
    md, html = card.to_markdown(), card.to_html()
    assert "<img" not in md and "&lt;img" in md and "\\$5" in md and "\\|" in md
    assert "<img" not in html


def test_scripted_list_and_missing_answers():
    iv = MockInterview(fk.default_design(), artifacts=["matrix"])
    card = iv.run_scripted(["The SLO is 99.9% under 150 ms."])
    assert [a.text for a in iv.sessions[0].answers] == ["The SLO is 99.9% under 150 ms."] + [NO_ANSWER] * 3
    assert card.session_rows()[0]["answered"] == 1


def test_solo_shows_hints_interviewer_hides_them_from_the_candidate():
    solo = MockInterview(fk.default_design(), mode="solo")
    solo.start()
    assert "Hint:" not in solo.view("candidate") and "strong answer" not in solo.view("candidate")
    first = solo.current_question
    solo.answer("2.48% of the budget")
    assert f"After your answer: a strong answer to the last question cites {first.hint}" in solo.view("candidate")
    assert solo.current_question.hint not in solo.view("candidate")
    iv = MockInterview(fk.default_design(), mode="interviewer")
    iv.start()
    assert "Hint:" not in iv.view("candidate")
    assert "Hint: budget 28 × 1440 × 0.1% = 40.3 min" in iv.view("interviewer")


def test_live_flow_on_a_clock(clock):
    iv = MockInterview(fk.default_design(), mode="interviewer", minutes_per_artifact=2, clock=clock)
    iv.start()
    clock.now += 90
    a = iv.answer("Paged in 5 min via the 150 ms p99 alert", rating=4)
    assert a.seconds == 90 and a.rating == 4 and a.quantified
    assert iv.time_left_s() == 30
    assert "(0.5 min left)" in iv.view()
    clock.now += 60
    assert "over time by 0.5 min" in iv.view()
    iv.next_session()
    assert iv.session.artifact == "matrix"
    assert [x.text for x in iv.sessions[0].answers][1:] == [NO_ANSWER] * 3
    iv.rate("taxonomy.close-detection", 5)
    assert iv.scorecard().session_rows()[0]["interviewer mark"] == 5
    with pytest.raises(ValueError):
        iv.answer("x", rating=9)


def test_interview_rejects_bad_settings():
    with pytest.raises(ValueError, match="expected 'solo' or 'interviewer'"):
        MockInterview(fk.default_design(), mode="panel")
    with pytest.raises(ValueError, match="unknown artifacts"):
        MockInterview(fk.default_design(), artifacts=["deck"])


@pytest.mark.parametrize("path", REFERENCE, ids=[p.stem for p in REFERENCE])
def test_interview_runs_on_every_reference_design(path, tmp_path):
    iv = MockInterview(fk.load(path))
    assert all(s.questions for s in iv.sessions)
    assert all(q.hint and q.text for q in iv.questions())
    assert len({q.id for q in iv.questions()}) == len(iv.questions())
    card = iv.run_scripted({"*": "It saves 123,457 ms at p99."})
    out = card.save(tmp_path / "card.md")
    assert Path(out).read_text().startswith("# Mock interview scorecard: ")
    # 123,457 ms is a number with a unit, but no number of these designs: not quantified on any question that cites some
    answers = [a for s in json.loads(card.to_json())["sessions"] for a in s["answers"]]
    assert not any(a["quantified"] for a, q in zip(answers, iv.questions()) if q.asked == {"time"} and not q.proposal)


def test_interview_on_a_design_the_model_refuses(default_data):
    drop_modes(default_data)
    default_data["matrix"]["paths"] = default_data["matrix"]["paths"][1:]  # no primary
    card = MockInterview(design_of(default_data)).run_scripted({"*": "3 modes"})
    sources = {q.source for q in card.sessions[0].questions}
    assert sources <= {"finding:too-few-modes", "finding:mitigation-on-failing-path"} and sources


def test_notebook_runs_headless_with_papermill(tmp_path):
    pm = pytest.importorskip("papermill")
    card = tmp_path / "card.md"
    pm.execute_notebook(str(ROOT / "notebooks" / "90_mock_interview.ipynb"), str(tmp_path / "out.ipynb"),
                        parameters={"mode": "interviewer", "scorecard_path": str(card),
                                    "scripted_answers": {"*": "p99 20 ms for $5 per 1M"}},
                        cwd=str(tmp_path), progress_bar=False, kernel_name="python3")
    text = card.read_text()
    # '$5 per 1M' is a cost: it counts on the questions that ask about cost, and only there
    assert "Mode: interviewer. 16/16 questions answered, " in text


# -- interview CLI ------------------------------------------------------------------------
def test_cli_interview_list_and_scripted(tmp_path):
    code, out, err = run("interview", fk.default_design_path(), "--list")
    assert code == 0, err
    ids = [line.split("\t")[0] for line in out.splitlines()]
    assert len(ids) == 16 and "matrix.rule-engine-vs-llm" in ids
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"matrix.rule-engine-vs-llm": "20 ms at $5 per 1M", "*": "not sure"}))
    card = tmp_path / "card.md"
    code, out, err = run("interview", fk.default_design_path(), "--answers", str(answers), "--out", str(card))
    assert code == 0, err
    assert out.strip() == f"wrote {card}: 16/16 questions answered, 1 with a number; rubric: 9/9 criteria at least Strong"
    assert "**A.** 20 ms at \\$5 per 1M" in card.read_text()


def test_cli_interview_reads_answers_from_stdin():
    proc = subprocess.run([sys.executable, "-m", "fallbackkit", "interview", fk.default_design_path(), "--mode", "interviewer"],
                          input="Paged within 5 min\n\nnext\n", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Hint:" not in proc.stdout  # the candidate's view in interviewer mode
    assert "Mode: interviewer. 1/16 questions answered, 1 with a number" in proc.stdout  # the hint's 5 min window


@pytest.mark.parametrize("content,fragment", [
    ("- just a list\n", "expected a mapping of fields at the top, got a list"),
    ("matrix.slo: [1, 2]\n", "expected a mapping of question id to answer text"),
    ("matrix.nope: hi\n", "unknown question ids ['matrix.nope']"),
])
def test_cli_interview_bad_answers_exit_2(tmp_path, content, fragment):
    f = tmp_path / "a.yaml"
    f.write_text(content)
    code, out, err = run("interview", fk.default_design_path(), "--answers", str(f))
    assert code == 2 and fragment in err and "Traceback" not in err


def test_a_session_without_questions_is_passed_over():
    iv = MockInterview(fk.default_design(), artifacts=["taxonomy", "matrix"])
    iv.sessions[0].questions = []
    card = iv.run_scripted({"*": "5 ms"})
    assert iv.finished and [r["answered"] for r in card.session_rows()] == [0, 4]
