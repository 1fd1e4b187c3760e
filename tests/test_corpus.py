"""Recall and precision of the critique over an independently written, annotated corpus.

The corpus (tests/data/corpus, see its README) was written without reading the critique's
code. Each annotated flaw names its class and the field paths where the wrong decision is
written; a finding catches it when the classes are equal and the finding's location and one
of the fields are equal or one is a prefix of the other at a path-component boundary.

Cross-cutting by design: it measures the whole fallbackkit.review package against outside data;
the checks one by one are tests/test_review_rubric.py and tests/test_review_flaws.py.
"""

from __future__ import annotations

import functools
from collections import Counter

import pytest

import fallbackkit as fk
from corpus import CLASSES, MAIN_CLASSES, catches, covers, has_path, load_entries, parse_path

ENTRIES = load_entries()
RECALL_TARGET = 0.90


def _finding_has_class() -> bool:
    """Whether the critique's findings carry a flaw_class (asked of real findings, not a module)."""
    for entry in ENTRIES:
        if entry.verdict != "flawed":
            continue
        findings = list(fk.critique(entry.design()[0]).findings)
        if findings:
            return all(hasattr(f, "flaw_class") for f in findings)
    return False


#: until the rebuilt critique gives findings a flaw_class, its recall cannot be measured;
#: the xfail is not strict, and disappears the moment the attribute exists
needs_flaw_class = pytest.mark.xfail(not _finding_has_class(), strict=False,
                                     reason="critique findings have no flaw_class yet (issue 12)")


@functools.cache
def _reviews() -> list[tuple[object, list]]:
    """(entry, findings) for every corpus entry: simulated when the simulator accepts it."""
    out = []
    for entry in ENTRIES:
        design, _ = entry.design()
        try:
            result = fk.simulate(design, n_requests=20_000, seed=1)
        except Exception:  # a deliberately broken design (e.g. a mitigation on its own path)
            result = None
        out.append((entry, list(fk.critique(design, simulation=result).findings)))
    return out


def _score():
    caught: Counter = Counter()
    total: Counter = Counter()
    missed = []
    for entry, findings in _reviews():
        for flaw in entry.flaws:
            total[flaw["class"]] += 1
            if any(catches(f, flaw) for f in findings):
                caught[flaw["class"]] += 1
            else:
                missed.append((entry.name, flaw["class"], flaw["fields"][0]))
    return caught, total, missed


def _precision() -> tuple[int, int]:
    """Findings on flawed designs that catch an annotated flaw / all main-class findings."""
    hits = counted = 0
    for entry, findings in _reviews():
        for f in findings:
            if getattr(f, "flaw_class", None) not in MAIN_CLASSES:
                continue
            counted += 1
            if entry.verdict == "flawed" and any(catches(f, flaw) for flaw in entry.flaws):
                hits += 1
    return hits, counted


def _report(caught, total, missed) -> str:
    lines = [f"{'class':24s} {'caught':>6s} {'total':>6s} {'recall':>7s}"]
    for cls in sorted(total):
        lines.append(f"{cls:24s} {caught[cls]:6d} {total[cls]:6d} {caught[cls] / total[cls]:7.0%}")
    n, d = sum(caught.values()), sum(total.values())
    lines.append(f"{'all':24s} {n:6d} {d:6d} {n / d:7.0%}")
    hits, counted = _precision()
    lines.append(f"precision: {hits}/{counted}" + (f" = {hits / counted:.0%}" if counted else ""))
    lines += [f"missed: {name}: {cls} at {field}" for name, cls, field in missed]
    return "\n".join(lines)


@needs_flaw_class
def test_recall_over_the_corpus(capsys):
    caught, total, missed = _score()
    report = _report(caught, total, missed)
    with capsys.disabled():
        print("\n" + report)
    recall = sum(caught.values()) / sum(total.values())
    assert recall >= RECALL_TARGET, report


@needs_flaw_class
def test_no_blocking_finding_on_a_good_design():
    alarms = [(e.name, f.location, f.message) for e, findings in _reviews() if e.verdict == "good"
              for f in findings if f.blocking]
    assert alarms == []


# -- the corpus itself ------------------------------------------------------------------------

def test_corpus_counts():
    designs = [e for e in ENTRIES if e.kind == "design"]
    assert len(ENTRIES) >= 30
    assert len(designs) >= 10
    assert sum(e.verdict == "good" for e in designs) >= 5
    per_class = Counter(f["class"] for e in ENTRIES for f in e.flaws)
    assert {c: per_class[c] for c in MAIN_CLASSES if per_class[c] < 4} == {}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_entry_is_well_formed(entry):
    assert entry.verdict in ("good", "flawed")
    assert (entry.verdict == "good") == (not entry.flaws)
    design, strictly_valid = entry.design()
    if entry.kind == "design":
        assert strictly_valid, f"{entry.file} must pass `fallbackkit validate`"
    dumped = design.model_dump(mode="json")
    for flaw in entry.flaws:
        assert set(flaw) == {"class", "fields", "committee", "blocking"}, flaw
        assert flaw["class"] in CLASSES
        assert isinstance(flaw["blocking"], bool)
        assert len(flaw["committee"].split()) >= 12, "say it the way the committee would"
        assert flaw["fields"]
        for path in flaw["fields"]:
            parse_path(path)
            assert has_path(entry.data, path) or has_path(dumped, path), f"{entry.name}: no field {path}"


def test_path_matching_rule():
    assert covers("matrix.paths[1]", "matrix.paths[1].provider")
    assert covers("matrix.paths[1].provider", "matrix.paths[1]")
    assert covers("context.slo", "context.slo")
    assert not covers("matrix.paths[1]", "matrix.paths[10]")
    assert not covers("matrix.paths[1].model", "matrix.paths[1].model_id")
    assert not covers("context.slo.percentile", "context.slo.threshold_ms")


def test_scoring_counts_a_perfect_critic_and_nothing_else():
    """The matching machinery: a finding at each annotated field catches it; a near miss does not."""
    from types import SimpleNamespace as Finding

    flaws = [flaw for e in ENTRIES for flaw in e.flaws]
    for flaw in flaws:
        field = flaw["fields"][-1]
        assert catches(Finding(flaw_class=flaw["class"], location=field), flaw)
        assert catches(Finding(flaw_class=flaw["class"], location=field + ".x"), flaw)
        other = next(c for c in MAIN_CLASSES if c != flaw["class"])
        assert not catches(Finding(flaw_class=other, location=field), flaw)
        assert not catches(Finding(location=field), flaw)  # today's findings: no class, no catch
    assert not catches(Finding(flaw_class="plausibility", location="matrix.paths[10]"),
                       {"class": "plausibility", "fields": ["matrix.paths[1]"]})
