"""The executive summary: ranking the reports' findings, the outlook paragraph, its page."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from salesops_lib.reports.executive import biggest_risk, outlook_paragraph, top_findings
from salesops_lib.reports.forecasting import SECTION_FORECAST, SECTION_RISK
from salesops_lib.run.pages import section_anchors


def _report(name: str, *findings: tuple[str, float, str]) -> dict:
    return {
        "name": name,
        "title": name.title(),
        "html": f"{name}.html",
        "findings": [{"text": t, "at_stake": a, "section": s, "anchor": s} for t, a, s in findings],
    }


def test_findings_are_ranked_by_money_and_said_once():
    found = top_findings(
        [
            _report(
                "01_a: long", ("3 deals worth **$1.0M** are past due.", 1e6, "S1"), ("x", 0.0, "S1")
            ),
            _report("03_b", ("3 deals worth **$1.0M** are past due.", 1e6, "S2"), ("y", 5e6, "S")),
            _report("06_c", ("Short by $5.0M.", 5e6 + 0.2, "S"), ("x", 0.0, "S")),
        ]
    )
    assert [f["text"] for f in found] == ["y", "3 deals worth **$1.0M** are past due.", "x"]
    assert found[1]["href"] == "01_a: long.html#S1"  # the first report that says it
    assert found[1]["title"] == "01_A"  # the part before the colon


@pytest.mark.parametrize(
    ("n_money", "n_zero", "want"),
    [(10, 3, 8), (8, 3, 8), (6, 3, 6), (3, 3, 5), (3, 1, 4), (0, 0, 0)],
)
def test_five_to_eight_findings(n_money, n_zero, want):
    money = [(f"m{i}", float(100 - i), "S") for i in range(n_money)]
    zero = [(f"z{i}", 0.0, "S") for i in range(n_zero)]
    found = top_findings([_report("01_a", *money, *zero)])
    assert len(found) == want
    assert [f["at_stake"] for f in found] == sorted((f["at_stake"] for f in found), reverse=True)


def test_a_finding_without_anchor_links_the_page():
    r = _report("02_c", ("t", 1.0, ""))
    assert top_findings([r])[0]["href"] == "02_c.html"


OUTLOOK = {
    "quarter": "2026Q4",
    "section": SECTION_FORECAST,
    "method": "Pipeline by stage",
    "point": 22.8e6,
    "lo80": 20.1e6,
    "hi80": 25.3e6,
    "goal": 18.5e6,
    "goal_basis": "quota",
    "booked": 2.5e6,
    "open_pipeline": 40e6,
    "coverage": 2.5,
    "currency": "USD",
}


def test_outlook_paragraph_forecast_range_goal_coverage_risk():
    risk = {"text": "12 open deals worth **$3.1M** are past their close date."}
    assert outlook_paragraph(OUTLOOK, risk) == (
        "For **2026Q4** the recommended forecast (Pipeline by stage) is **$22.8M**, 80% range "
        "$20.1M – $25.3M, against a goal of $18.5M (quota): 123% of it. Its open pipeline of "
        "$40.0M is **2.5×** the $16.0M still to book. The biggest risk: 12 open deals worth "
        "**$3.1M** are past their close date."
    )


def test_outlook_paragraph_without_method_goal_or_report():
    none = {**OUTLOOK, "method": None, "point": None, "lo80": None, "hi80": None}
    assert outlook_paragraph(none, None).startswith(
        "For **2026Q4** no forecast method is recommended (report 03 says why); the quarter is "
        "measured against a goal of $18.5M (quota)."
    )
    met = {**OUTLOOK, "coverage": None, "booked": 19e6}
    assert outlook_paragraph(met, None).endswith("Bookings so far, $19.0M, already meet the goal.")
    nogoal = {**OUTLOOK, "goal": None, "coverage": None, "goal_basis": "average bookings"}
    assert "against no goal (no quotas in the data)." in outlook_paragraph(nogoal, None)
    empty = {**OUTLOOK, "open_pipeline": 0.0, "coverage": 0.0}
    assert outlook_paragraph(empty, None).endswith(
        "No open deal is expected to close in **2026Q4** yet: its open pipeline is $0."
    )
    assert outlook_paragraph(None, {"text": "R."}) == (
        "The forecast of the quarter ahead is missing: report 03 (Forecasting) could not be "
        "produced this time. The biggest risk: R."
    )
    for text in (outlook_paragraph(none, None), outlook_paragraph(nogoal, None)):
        assert "None" not in text and "nan" not in text


def test_biggest_risk_is_the_forecasts_risk_else_not_its_shortfall():
    fc = _report("03_forecasting", ("short", 9.0, SECTION_FORECAST), ("due", 4.0, "R"))
    risk = _report("03_forecasting", ("undated", 2.0, SECTION_RISK), ("due", 3.0, SECTION_RISK))
    found = top_findings([fc, _report("06_p", ("stale", 5.0, "P"), ("zero", 0.0, "P"))])
    assert biggest_risk(found)["text"] == "stale"
    assert biggest_risk(found, risk["findings"])["text"] == "due"
    assert biggest_risk(found[:1]) is None


def test_section_anchors_read_the_headings_ids():
    page = (
        '<h1 id="T">T</h1><h2 id="What-is-at-risk?">What is at risk?'
        '<a class="anchor-link" href="#What-is-at-risk?">¶</a></h2>'
        '<h2 id="How-good-are-the-reps&#39;-calls?">How good are the reps&#39; calls?</h2>'
    )
    assert section_anchors(page) == {
        "What is at risk?": "What-is-at-risk?",
        "How good are the reps' calls?": "How-good-are-the-reps'-calls?",
    }


def test_bars_svg_escapes_names():
    from salesops_lib.render.svg import bars_svg

    svg = bars_svg(["<script>x</script>", "b"], [2.0, 1.0], ["$2", "$1"], title="T & U")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "T &amp; U" in svg
    assert svg.count("<rect") == 2


# ---------------------------------------------------------------------------------------
# the summary of the session's rendered packs (conftest: the demo and the Maven example)

FIGURE = re.compile(r"[$€£]\d[\d,.]*[KMB]?|\d[\d,.]*%|\b\d[\d,]*(?= (?:open )?(?:deals?|reps?)\b)")


def _text(fragment: str) -> str:
    fragment = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _section(page: str, anchor: str) -> str:
    """The text of the section whose ``<h2>`` has id ``anchor``, up to the next ``<h2>``."""
    heads = list(re.finditer(r'<h2\b[^>]*\bid="([^"]+)"', page))
    for i, m in enumerate(heads):
        if html.unescape(m.group(1)) == anchor:
            end = heads[i + 1].start() if i + 1 < len(heads) else len(page)
            return _text(page[m.start() : end])
    raise AssertionError(f"no section with id {anchor!r}")


def summary_items(folder: Path) -> list[tuple[str, str, str]]:
    """``(sentence, page, anchor)`` for each finding the summary lists, as its HTML says."""
    page = (folder / "00_executive_summary.html").read_text(encoding="utf-8")
    found = re.findall(
        r'<li><span class="exec-text">(.*?)</span> <a class="exec-link" href="([^"#]+)#?([^"]*)"',
        page,
        re.S,
    )
    return [(_text(t), p, html.unescape(a)) for t, p, a in found]


@pytest.mark.xdist_group("render")
@pytest.mark.parametrize("pack", ["rendered", "maven_rendered"])
def test_summary_figures_equal_the_sections_they_link(pack, request):
    folder = request.getfixturevalue(pack).folder
    items = summary_items(folder)
    assert 5 <= len(items) <= 8 or len(items) == sum(
        len(r["findings"]) for r in json.loads((folder / "manifest.json").read_text())["reports"]
    )
    for sentence, target, anchor in items:
        assert anchor, f"{sentence!r} links no section"
        section = _section((folder / target).read_text(encoding="utf-8"), anchor)
        figures = FIGURE.findall(sentence)
        assert figures, sentence
        for fig in figures:
            assert fig in section, f"{fig} of {sentence!r} is not in {target}#{anchor}"


@pytest.mark.xdist_group("render")
@pytest.mark.parametrize("pack", ["rendered", "maven_rendered"])
def test_summary_outlook_equals_the_forecast_report_and_index(pack, request):
    from salesops_lib.reports.base import money_in

    folder = request.getfixturevalue(pack).folder
    manifest = json.loads((folder / "manifest.json").read_text())
    o = next(r for r in manifest["reports"] if r["name"] == "03_forecasting")["outlook"]
    summary = _section(
        (folder / "00_executive_summary.html").read_text(), "What-does-the-quarter-ahead-look-like?"
    )
    forecast = _section((folder / "03_forecasting.html").read_text(), o["anchor"])
    fmt = money_in(o["currency"])
    shown = [fmt(o[k]) for k in ("point", "lo80", "hi80", "goal") if o[k] is not None]
    assert shown and all(s in summary and s in forecast for s in shown), shown
    index = _text((folder / "index.html").read_text())
    if o["coverage"] is not None and o["open_pipeline"] > 0:
        cover = FIGURE.pattern  # the coverage the summary says is the index tile's
        ratio = re.search(r"is (\d+(?:\.\d)?×) the", summary).group(1)
        assert f"{ratio} its gap to the goal" in index, cover
    assert fmt(o["open_pipeline"]) in index


@pytest.mark.xdist_group("render")
@pytest.mark.parametrize("pack", ["rendered", "maven_rendered"])
def test_every_summary_link_resolves(pack, request):
    folder = request.getfixturevalue(pack).folder
    page = (folder / "00_executive_summary.html").read_text()
    links = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
    assert links
    for link in links:
        target, _, anchor = link.partition("#")
        assert (folder / target).is_file(), link
        if anchor:
            ids = {
                html.unescape(i)
                for i in re.findall(r'\bid="([^"]+)"', (folder / target).read_text())
            }
            assert anchor in ids, link
    assert 'href="00_executive_summary.html"' in (folder / "index.html").read_text()


@pytest.mark.xdist_group("render")
def test_summary_past_due_equals_pandas_on_the_demo_snapshots(rendered, demo_dir):
    """Deals open on 2026-09-30 whose close date in the last snapshot before it has passed."""
    import pandas as pd

    from salesops_lib.format import money

    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    hist = pd.read_csv(demo_dir / "history.csv", parse_dates=["snapshot_date", "close_date"])
    as_of = pd.Timestamp("2026-09-30")
    before = hist[hist["snapshot_date"] <= as_of]
    last = before[before["snapshot_date"] == before["snapshot_date"].max()]
    closed = opps.loc[opps["is_closed"].astype(bool) & (opps["close_date"] <= as_of), "opp_id"]
    due = last[~last["opp_id"].isin(closed) & (last["close_date"] < as_of)]
    want = f"{len(due):,} open deals worth {money(due['amount'].sum())} are past their close date"
    sentences = [s for s, _, _ in summary_items(rendered.folder)]
    assert any(want in s for s in sentences), (want, sentences)
    summary = (rendered.folder / "00_executive_summary.html").read_text()
    assert want in _section(summary, "What-does-the-quarter-ahead-look-like?")  # the biggest risk


@pytest.mark.xdist_group("render")
def test_summary_undated_deals_equal_pandas_on_the_maven_export(maven_rendered):
    """Maven's open deals (Engaging, Prospecting) have no close date; their value is the list price."""
    import pandas as pd

    from salesops_lib.format import money

    from .conftest import MAVEN

    deals = pd.read_csv(MAVEN / "sales_pipeline.csv")
    prices = pd.read_csv(MAVEN / "products.csv")
    deals["product"] = deals["product"].replace({"GTXPro": "GTX Pro"})
    open_ = deals[deals["deal_stage"].isin(["Engaging", "Prospecting"])].merge(prices, on="product")
    assert open_["close_date"].isna().all()
    # every Maven amount is its product's list price, filled in by the preset: the sentence says so
    want = (
        f"{len(open_):,} open deals worth {money(open_['sales_price'].sum())} at list price "
        "have no expected close date"
    )
    assert any(want in s for s, _, _ in summary_items(maven_rendered.folder)), want
