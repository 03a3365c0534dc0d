"""What a notebook displays: escaped sentences and tables, collapsed warnings, the run's status."""

from __future__ import annotations

import pandas as pd
import pytest

from salesops_lib.render import page
from salesops_lib.reports.base import STATUS_MIME, Gap, Tile, count
from salesops_lib.reports.tables import Column, Table, TableSpec

SPEC = TableSpec((Column("rep", "Rep"), Column("bookings", "Bookings", "money")), max_rows=4)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Bookings reached **$1.2M**.", "Bookings reached <b>$1.2M</b>."),
        ("<script>x</script> leads", "&lt;script&gt;x&lt;/script&gt; leads"),
        ("**<b>Ann</b>** & Bo's", "<b>&lt;b&gt;Ann&lt;/b&gt;</b> &amp; Bo&#x27;s"),
        ("two **a** and **b**", "two <b>a</b> and <b>b</b>"),
    ],
)
def test_sentences_are_escaped_and_marks_become_bold(text, html):
    assert page.say(text).data.endswith(f'</style><p class="finding">{html}</p></div>')


def test_nothing_to_say_shows_nothing():
    assert page.say(None).data == "" and page.note(None).data == ""
    assert page.table_if(None).data == ""


@pytest.mark.parametrize(
    ("n", "noun", "text"),
    [(1, "deal", "1 deal"), (0, "rep", "0 reps"), (30823, "deal", "30,823 deals")],
)
def test_counts_separate_thousands_and_agree_in_number(n, noun, text):
    assert count(n, noun) == text


def test_tables_escape_data_and_show_top_and_bottom():
    frame = pd.DataFrame(
        {"rep": [f"<script>{i}</script>" for i in range(6)], "bookings": [6e6, 5e6, 4, 3, 2, 1]}
    )
    t = Table(frame, TableSpec(SPEC.columns, max_rows=4, ends=True), "Reps")
    html = page.table(t).data
    assert "<script>" not in html and "&lt;script&gt;0&lt;/script&gt;" in html
    assert "&lt;script&gt;5" in html and "&lt;script&gt;2" not in html  # top 2, bottom 2
    assert "2 rows between these are not shown" in html and "…" not in html
    assert (
        html.index("&lt;script&gt;1") < html.index("between these") < html.index("&lt;script&gt;4")
    )
    assert "<th>Rep</th>" in html and "$6.0M" in html
    one = Table(frame.head(5), TableSpec(SPEC.columns, max_rows=4, ends=True), "Reps")
    assert "1 row between these is not shown" in page.table(one).data
    plain = Table(frame.head(5), TableSpec(SPEC.columns, max_rows=4), "Reps")
    assert "1 more row not shown." in page.table(plain).data


def test_a_share_too_small_to_read_as_one_percent_shows_as_under_one():
    frame = pd.DataFrame({"rep": ["A", "B", "C"], "share": [0.0043, 0.0, 0.052]})
    t = Table(frame, TableSpec((Column("rep", "Rep"), Column("share", "Share", "share"))), "")
    assert t.formatted()["Share"].tolist() == ["<1%", "0%", "5%"]


def test_tiles_and_gaps():
    assert 'tile-value">$1.2M<' in page.tiles([Tile("Bookings", "$1.2M", "<x>")]).data
    g = Gap("Is there enough pipeline?", "quotas", "add quotas.csv")
    assert "This needs quotas" in page.gaps([g], "Is there enough pipeline?").data
    assert page.gaps([g], "Another section").data == ""


def test_status_is_an_output_the_html_leaves_out(monkeypatch):
    shown = []
    monkeypatch.setattr(page, "display", lambda obj, raw=False: shown.append(obj))
    page.status([Gap("s", "quotas", "add them")])
    assert shown == [
        {
            STATUS_MIME: {
                "status": "Partial: no quotas",
                "gaps": [{"section": "s", "missing": "quotas", "how": "add them"}],
            }
        }
    ]


def _outputs():
    frame = pd.DataFrame({"rep": ["Ann"], "bookings": [2.06e7]})
    t = Table(frame, SPEC, "Reps")
    return {
        "say": page.say("between **$20.6M** and $25.0M"),
        "note": page.note("a target of $75.2M (−$31.4M)"),
        "tiles": page.tiles([Tile("Range", "$20.6M–$25.0M", "from $1 to $2")]),
        "table": page.table(t),
        "tables": page.tables([t]),
        "table_if": page.table_if(t),
        "gaps": page.gaps([Gap("s", "quotas", "add $ quotas")], "s"),
        "definitions": page.definitions({"Bookings": "won $ amounts"}),
    }


@pytest.mark.parametrize("name", sorted(_outputs()))
def test_every_output_is_skipped_by_the_maths_renderer_and_carries_its_style(name):
    html = _outputs()[name].data
    assert html.startswith('<div class="salesops-output mathjax_ignore tex2jax_ignore"><style>')
    assert html.endswith("</div>") and "$" in html
    style = html[html.index("<style>") + 7 : html.index("</style>")]
    assert style.startswith(".salesops-output{--ink:#1d2733;")  # the page's colours travel too
    rules = [r.split("{")[0] for r in style.split("}")[1:] if r]
    assert rules and all(r.startswith(".salesops-output ") for r in rules)  # scoped


def test_tiles_carry_the_page_rules_for_tiles_only():
    style = page.output_css(["tiles", "tile"])
    assert ".salesops-output .tiles{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0;}" in style
    assert ".salesops-output .tile{flex:1 1 170px;border:1px solid var(--line);" in style
    assert ".tile-label" not in style and ".finding" not in style and "body" not in style


def test_boxes_with_a_background_get_dark_text_and_comma_selectors_are_each_scoped():
    css = ":root { --ink:#000; }\n.a, .b { background:#fff; }\n.c { background:#eee; color:#333; }"
    assert page.output_css(["b", "c"], css) == (
        ".salesops-output{--ink:#000;}"
        ".salesops-output .a, .salesops-output .b{background:#fff;color:var(--ink);}"
        ".salesops-output .c{background:#eee;color:#333;}"
    )
    assert page.output_css(["tile"], css) == ".salesops-output{--ink:#000;}"


def test_an_empty_output_shows_nothing_at_all():
    assert page.output("", ["finding"]).data == ""
    assert page.gaps([], "s").data == "" and page.table_if(None).data == ""


ANALYST = """
import logging, sys, warnings
from salesops_lib.render import page
page.load(sys.argv[1])
warnings.warn("the analyst's own warning")
logging.getLogger("analyst").warning("the analyst's own log line")
print("done")
"""


@pytest.mark.parametrize(("quiet", "shown"), [(None, True), ("1", False)])
def test_warnings_after_load_show_in_an_analysts_session_not_in_the_runs_kernels(
    quiet, shown, demo_dir, tmp_path
):
    import os
    import subprocess
    import sys

    from salesops_lib.render import QUIET_ENV

    env = {k: v for k, v in os.environ.items() if k != QUIET_ENV}
    if quiet:
        env[QUIET_ENV] = quiet
    res = subprocess.run(
        [sys.executable, "-c", ANALYST, str(demo_dir)], capture_output=True, text=True, env=env
    )
    assert res.returncode == 0 and res.stdout.strip() == "done", res.stderr[-2000:]
    assert ("UserWarning: the analyst's own warning" in res.stderr) is shown
    assert ("the analyst's own log line" in res.stderr) is shown


def test_the_quarterly_runs_workers_start_quiet_kernels(monkeypatch, tmp_path):
    import os

    from salesops_lib.render import QUIET_ENV
    from salesops_lib.run import workers

    monkeypatch.setenv(QUIET_ENV, "0")  # restored after the test
    seen = []
    monkeypatch.setattr(workers, "render_notebook", lambda *a: seen.append(os.environ[QUIET_ENV]))
    (tmp_path / "logs").mkdir()
    workers._render_quietly(tmp_path / "01.ipynb", tmp_path, {}, {}, [], 10)
    assert seen == ["1"]


def test_status_carries_the_findings_and_outlook(monkeypatch):
    from salesops_lib.reports.base import Finding

    shown = []
    monkeypatch.setattr(page, "display", lambda obj, raw=False: shown.append(obj))
    page.status([], [Finding("**$1.0M** past due", 1e6, "What is at risk?")], {"quarter": "2026Q4"})
    assert shown[0][STATUS_MIME] == {
        "status": "Ready",
        "gaps": [],
        "findings": [
            {"text": "**$1.0M** past due", "at_stake": 1e6, "section": "What is at risk?"}
        ],
        "outlook": {"quarter": "2026Q4"},
    }
