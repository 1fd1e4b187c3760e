"""Commands that review a design the way an interview panel would: ``critique`` and ``interview``."""

from __future__ import annotations

import sys

from . import output
from .arguments import command, count, design_file, minutes, out_file, seed
from .errors import EXIT_FINDINGS, EXIT_OK, UsageError


# -- critique ----------------------------------------------------------------------------------
def add_critique(sub) -> None:
    s = command(sub, "critique", "score a design the way a hiring committee would", """\
Score a design on nine rubric criteria (Very Weak … Very Strong), each with evidence
lines pointing at design fields, and list every finding with its severity, field path
and a concrete fix: unquantified claims, paths without a latency budget, unserved
traffic, timeouts longer than the deadline left, retry storms, prices that disagree
with cost per 1M, vague severities, modes without detection/runbook/owner, fewer than
five modes, mean-only loop metrics, artifacts that cannot stand alone, UML errors.

Exit 0 when no finding is blocking, 1 when one is, 2 when the file cannot be read.

  fallbackkit critique my_design.yaml
  fallbackkit critique my_design.yaml --format md > critique.md
  fallbackkit critique my_design.yaml --simulate 100000 --seed 1
""", cmd_critique)
    design_file(s, "design file (.yaml, .yml or .json); rule violations are critiqued, not refused")
    s.add_argument("--format", choices=["text", "md", "json"], default="text",
                   help="text for the terminal (default), md for a review, json for tools")
    s.add_argument("--simulate", type=count, metavar="N", default=None,
                   help="simulate N requests and critique with the simulated numbers instead of the declared arithmetic")
    s.add_argument("--seed", type=seed, default=0, help="seed of the simulation (default 0)")


def cmd_critique(args) -> int:
    from ..review import critique
    # check=False: a design that breaks rules still gets a critique (its findings say why);
    # only data the model cannot read at all (wrong types, unknown fields) exits 2.
    d = output.load(args.file, check=False)
    simulation = None
    if args.simulate is not None:
        try:
            from ..simulation import simulate
        except ImportError:
            raise UsageError("--simulate needs the simulator (fallbackkit.simulation), which this install lacks") from None
        simulation = simulate(d, args.simulate, seed=args.seed)
    c = critique(d, simulation)
    text = {"md": c.to_markdown, "json": c.to_json, "text": c.to_text}[args.format]()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK if c.passed else EXIT_FINDINGS


# -- interview ---------------------------------------------------------------------------------
def add_interview(sub) -> None:
    s = command(sub, "interview", "rehearse the interview: timed questions per artifact, then a scorecard", """\
A mock interview over a design: a timed session per artifact (taxonomy, matrix,
workflow, post-mortem loop) with follow-up questions drawn from the design's weakest
findings and its own trade-offs. Answer in the terminal (one line each; empty skips,
'next' ends the artifact), or from a YAML file of answers for a headless run. Ends
with a scorecard in Markdown.

  fallbackkit interview my_design.yaml --list             the question ids
  fallbackkit interview my_design.yaml --answers a.yaml --out scorecard.md
""", cmd_interview)
    design_file(s, "design file (.yaml, .yml or .json)")
    s.add_argument("--mode", choices=["solo", "interviewer"], default="solo",
                   help="solo shows hints; interviewer hides them from the candidate (default: solo)")
    s.add_argument("--show-hints", action="store_true", help="interviewer mode: show the interviewer's view")
    s.add_argument("--minutes", type=minutes, default=10, help="time box per artifact in minutes (default 10)")
    s.add_argument("--answers", help="YAML/JSON mapping of question id to answer ('*' = default): run headless")
    s.add_argument("--list", action="store_true", help="print the question ids and texts, then exit")
    out_file(s, "write the scorecard here (.md, or .json) instead of printing it")


def cmd_interview(args) -> int:
    from ..interview import MockInterview
    inputs = [args.file] + ([args.answers] if args.answers else [])
    target = output.optional_out(args.out, inputs, args.force)
    d = output.load(args.file, check=False)
    iv = MockInterview(d, mode=args.mode, minutes_per_artifact=args.minutes)
    if args.list:
        for q in iv.questions():
            print(f"{q.id}\t{q.text}")
        return EXIT_OK
    card = _scripted(iv, args.answers) if args.answers else _live(iv, args.mode == "interviewer" and args.show_hints)
    if target is not None:
        output.write(target, lambda: card.save(target))
        print(f"wrote {target}: {card.summary()}")
    else:
        sys.stdout.write(card.to_markdown())
    return EXIT_OK


def _scripted(iv, path: str):
    """A headless run from a file of answers, each id checked against the interview's questions."""
    answers, _ = output.read(path)
    if not isinstance(answers, dict) or not all(isinstance(v, str) for v in answers.values()):
        raise UsageError(f"{path}: expected a mapping of question id to answer text "
                         "(`fallbackkit interview FILE --list` prints the ids; '*' is the default answer)")
    unknown = sorted(set(answers) - {q.id for q in iv.questions()} - {"*", "design"})
    if unknown:
        raise UsageError(f"{path}: unknown question ids {unknown}; `--list` prints the ids")
    card = iv.run_scripted(answers)
    if iv.script_note:
        print(f"{path}: {iv.script_note}", file=sys.stderr)
    return card


def _live(iv, interviewer_view: bool):
    """Live in the terminal: one line per answer; an empty line skips, 'next' ends the artifact."""
    from ..interview import NO_ANSWER
    role = "interviewer" if interviewer_view else "candidate"
    iv.start()
    while not iv.finished:
        print("\n" + iv.view(role))
        try:
            line = input("> ")
        except EOFError:
            while not iv.finished:
                iv.next_session()
            break
        if line.strip().lower() == "next":
            iv.next_session()
        else:
            iv.answer(line or NO_ANSWER)
    return iv.scorecard()


COMMANDS = [add_critique, add_interview]
