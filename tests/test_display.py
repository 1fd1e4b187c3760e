"""fallbackkit.display: escaping, human numbers and the one table that renders text, HTML and Markdown.

What every view of the model shows through it: money never typeset as maths, one meaning per
column, enum values not their class names, the same cells in each format, empty tables saying so.
"""

from pathlib import Path

import fallbackkit as fk
from fallbackkit import cadence, scenarios

BOT = Path(__file__).parent / "data" / "code_review_bot.yaml"


def test_display_escapes_dollars_and_never_prints_exponents():
    """Money between two $ would be typeset as maths in JupyterLab (the exponents:
    test_numbers_read_as_people_write_them)."""
    from fallbackkit import display
    assert "$" not in display.esc_html("$0.0004 per call is $400 per 1M")
    assert display.esc_md("<script>$5</script> *a*|b") == "&lt;script&gt;\\$5&lt;/script&gt; \\*a\\*\\|b"


def test_numbers_read_as_people_write_them():
    """ms and $ read as people write them, never with an exponent."""
    from fallbackkit import display
    assert display.ms(16000) == "16,000 ms" and display.fmt(2e4) == "20,000" and display.fmt(0.000123) == "0.000123"
    assert display.usd(1200.642) == "$1,200.64" and display.usd(0.0004) == "$0.0004"
    assert "e+" not in display.fmt(1.6e4) + display.fmt(3e4) + display.fmt(1e7)


def test_money_never_typesets_as_maths_in_any_html_output():
    d = fk.default_design()
    for obj in [d, d.context, d.taxonomy, d.matrix, d.budget(), d.postmortem, d.postmortem.measure(),
                cadence.track(d, day=3), scenarios.catalog_table()]:
        html = obj._repr_mimebundle_()["text/html"]
        assert "$" not in html.replace("&#36;", ""), type(obj).__name__
    assert "&#36;1,200.64" in d.budget().to_html()


def test_one_meaning_per_cost_column():
    d = fk.default_design()
    matrix_text, budget_text = d.matrix.to_text(), d.budget().to_text()
    assert "price per 1M calls $" in matrix_text and "contribution per 1M requests $" in budget_text
    assert "cost/1M $" not in matrix_text + budget_text
    assert "contribution per 1M requests" not in matrix_text.split("Budget against")[0]


def test_enums_show_their_values():
    text = fk.default_design().postmortem.to_text()
    assert "ActionStatus" not in text and "ActionType" not in text and " open " in text


def test_one_description_gives_the_same_cells_in_text_html_and_markdown():
    b = fk.load(BOT).budget()
    text, html, md = b.to_text(), b.to_html(), b.to_markdown()
    for cell in ["$8,049.75", "19,700 ms", "second_provider", "contribution per 1M requests $"]:
        assert cell in text and cell.replace("$", "\\$").replace("_", "\\_") in md
        assert cell.replace("$", "&#36;") in html


def test_empty_tables_say_so():
    from fallbackkit.display import Column, Table
    t = Table([], [Column("a")], empty="no incidents yet")
    assert t.to_text() == "no incidents yet" and "no incidents yet" in t.to_html()
