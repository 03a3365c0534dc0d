"""Report 03's bridge and push-list sections: sentences, flags, and the per-manager CSVs."""

from __future__ import annotations

import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis import inspection as ins
from salesops_lib.render import page
from salesops_lib.reports import forecasting as fr
from salesops_lib.reports.base import money_in
from salesops_lib.reports.tables import Table

from .conftest import MAVEN

FMT = money_in("USD")


def _steps(**amounts: tuple[float, int]) -> pd.DataFrame:
    rows = [(s, *amounts.get(s, (0.0, 0))) for s in fr.STEP_LABELS]
    rows = [("start", 1_000_000.0, 0), *rows, ("end", 0.0, 0)]
    frame = pd.DataFrame(rows, columns=["step", "amount", "deals"])
    frame.loc[frame["step"] == "end", "amount"] = frame["amount"].iloc[:-1].sum()
    return frame


def test_bridge_sentence_names_the_change_and_the_three_largest_steps():
    steps = _steps(won=(120_000.0, 3), lost=(-40_000.0, 2), new=(15_000.0, 1), other=(-2_000.0, 0))
    s = fr.bridge_sentence(
        steps,
        name="Deal-by-deal win model",
        target="2026Q4",
        since=pd.Timestamp("2026-09-23"),
        as_of=pd.Timestamp("2026-09-30"),
        fmt=FMT,
    )
    assert s == (
        "From 2026-09-23 to 2026-09-30 the Deal-by-deal win model forecast of 2026Q4 rose by "
        "**$93.0K**, from $1.0M to $1.1M. The largest moves: won +$120K (3 deals), lost −$40.0K "
        "(2 deals) and new deals +$15.0K (1 deal)."
    )
    flat = fr.bridge_sentence(
        _steps(),
        name="X",
        target="2026Q4",
        since=pd.Timestamp("2026-09-23"),
        as_of=pd.Timestamp("2026-09-30"),
        fmt=FMT,
    )
    assert flat == "From 2026-09-23 to 2026-09-30 the X forecast of 2026Q4 stayed at $1.0M."


def test_other_sentence_orders_its_parts_by_size():
    parts = {
        "allowance": -50_000.0,
        "model": 0.0,
        "won outside the quarter": -4_000.0,
        "left the pipeline open": -1_000.0,
    }
    s = fr.other_sentence(parts, -55_000.0, FMT, target="2026Q4")
    assert s == (
        "Everything else (−$55.0K) is the allowance for deals not yet created (−$50.0K), deals "
        "won outside 2026Q4, booked in another quarter (−$4.0K) and deals that dropped out of "
        "the pipeline without being won or lost (−$1.0K)."
    )
    # nothing in it is "left the pipeline", which would read like a deal pushed out
    assert "left the pipeline" not in s
    assert fr.other_sentence({}, 0.0, FMT, target="2026Q4") is None


def test_other_parts_split_everything_else_by_what_the_deals_did():
    from salesops_lib.analysis.bridge import Bridge

    deals = pd.DataFrame(
        {
            "opp_id": ["a", "b", "c", "d", "e"],
            "step": ["re_estimate", "other", "other", "re_estimate", "won"],
            "change": [-10.0, -50.0, 30.0, 5.0, 80.0],
            "why": [
                "chance changed",
                "won outside the quarter",
                "no created date",
                "chance changed",
                "",
            ],
        }
    )
    steps = pd.DataFrame(
        {
            "step": ["start", "other", "won", "end"],
            "amount": [100.0, -50.0 + 30.0 - 7.0 + 0.01, 80.0, 0.0],
            "deals": [0, 2, 1, 0],
        }
    )
    b = Bridge(
        steps,
        deals,
        pd.Timestamp("2026-09-23"),
        pd.Timestamp("2026-09-30"),
        "win_model",
        allowance_change=-7.0,
        method_change=0.0,
        rounding=0.01,
    )
    parts, total = fr.other_parts(b)
    # the re-estimated chances of deals whose stage stayed are their own step now, not here
    assert parts == {
        "won outside the quarter": -50.0,
        "no created date": 30.0,
        "allowance": -7.0,
        "model": 0.0,
    }
    assert total == pytest.approx(-26.99)
    s = fr.other_sentence(parts, total, FMT, target="2018Q1")
    assert s == (
        "Everything else (−$27) is deals won outside 2018Q1, booked in another quarter (−$50), "
        "deals without a created date, in the pipeline only from the data's last date and so "
        "not counted as new (+$30) and the allowance for deals not yet created (−$7)."
    )


def test_bridge_note_says_what_a_time_series_cannot_split():
    rec = fr.Recommendation("time_series", 0, ["2026Q1"] * 4, 0.1, 3, 4, 4)
    n = fr.bridge_note("time_series", rec, {"time_series": 1.0}, True, "Bookings trend")
    assert n.startswith("Bookings trend forecasts from the bookings history, not deal by deal")
    none = fr.Recommendation(None, 0, [], float("nan"), 0, 0, 0)
    n = fr.bridge_note("win_model", none, {"win_model": 1.0}, False, "Deal-by-deal win model")
    assert n.startswith("No method is recommended; the bridge follows Deal-by-deal win model.")
    assert "Without history snapshots" in n
    blend = fr.bridge_note("ensemble", rec, {"time_series": 0.25, "pipeline": 0.75}, True, "Blend")
    assert "(25% of it)" in blend
    stick = fr.Recommendation("last_quarter", 0, ["2026Q1"] * 4, 0.1, 3, 4, 4)
    n = fr.bridge_note("win_model", stick, {"win_model": 1.0}, True, "Deal-by-deal win model")
    assert n.startswith(
        "The recommended Last quarter again reads only past quarters' bookings, not the deals, "
        "so the bridge follows Deal-by-deal win model, deal by deal."
    )


def test_push_sentence_sums_the_value_at_risk():
    rows = pd.DataFrame(
        {
            "amount": [100_000.0, 50_000.0],
            "at_risk": [60_000.0, 10_000.0],
            "flags": ["pushed 1×", ""],
        }
    )
    s = fr.push_sentence(rows, "2026Q4", FMT, has_activities=False)
    assert s == (
        "2 open deals expected to close in 2026Q4 hold $150K, of which **$70.0K** is at risk (not "
        "counted on by the win model); the 10 at the top hold $70.0K of it. 1 deal raises at least "
        "one risk flag. The data logs no activities, so no deal is flagged for a lack of them."
    )
    assert fr.push_sentence(rows.iloc[0:0], "2026Q4", FMT, has_activities=True) == (
        "No open deal is expected to close in 2026Q4 yet: there is no deal to push."
    )


def test_inspection_list_flags_and_ranks_by_value_at_risk(demo):
    as_of = pd.Timestamp("2026-09-30")
    first = next(s.name for s in demo.stages if not s.closed)
    last = [s.name for s in demo.stages if not s.closed][-1]
    deals = pd.DataFrame(
        {
            "opp_id": ["a", "b", "c"],
            "amount": [100.0, 1000.0, 500.0],
            "stage": [first, last, first],
            "close_date": pd.to_datetime(["2026-10-05", "2026-10-05", "2026-12-20"]),
            "pushes": [0, 2, 0],
            "days_unchanged": [5.0, 45.0, float("nan")],
            "past_due": [False, False, True],
        }
    )
    chances = pd.DataFrame({"opp_id": ["a", "b"], "chance": [0.5, 0.9]})
    out = ins.inspection_list(demo, deals, chances, as_of=as_of).set_index("opp_id")
    # c has no chance: its whole amount is at risk; b 1000 × 0.1; a 100 × 0.5
    assert list(out.index) == ["c", "b", "a"]
    assert out["at_risk"].tolist() == pytest.approx([500.0, 100.0, 50.0])
    assert out.loc["a", "early"] and not out.loc["b", "early"] and not out.loc["c", "early"]
    assert out.loc["b", "pushed"] and out.loc["b", "stale"] and not out.loc["a", "stale"]
    assert out.loc["c", "overdue"]
    assert out.loc["a", "quiet"]  # made-up deals have no logged activity
    assert out.loc["b", "flags"].startswith("pushed 2×, no change 30+ days, no activity logged")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("José <script>alert(1)</script>", "jose_script_alert_1_script"),
        ("Smith, Jane", "smith_jane"),
        ("../../etc/passwd", "etc_passwd"),
        ("", "none"),
        (float("nan"), "none"),
        ("北京", "none"),
        ("Łukasz Kowalski", "lukasz_kowalski"),  # Ł has no decomposition: was "ukasz_kowalski"
        ("Søren Ærø", "soren_aero"),
    ],
)
def test_file_slug_is_safe(name, slug):
    assert ins.file_slug(name, set()) == slug


def test_csv_handouts_escape_names_and_hold_the_table(tmp_path):
    frame = pd.DataFrame(
        {
            "manager": ["José <script>, Jr."],
            "deal": ['Big, "quoted" <b>deal</b>'],
            "amount": [1234.567],
        }
    )
    spec = fr.PUSH_SPEC
    t = Table(frame, spec, "cap", "USD")
    html = page.csv_handouts(
        {"03_forecasting_push_list_jose_script_jr": t}, str(tmp_path), "Files"
    ).data
    assert "<script>" not in html and "<b>deal" not in html
    back = pd.read_csv(tmp_path / "03_forecasting_push_list_jose_script_jr.csv")
    assert back["Manager"].tolist() == ["José <script>, Jr."]
    assert back["Deal"].tolist() == ['Big, "quoted" <b>deal</b>']
    assert back["Amount"].tolist() == [1234.57]
    assert "&lt;script&gt;" in t.to_html() and "<script>" not in t.to_html()
    assert page.csv_handouts({"x": t}, "", "Files").data == ""


@pytest.fixture(scope="module")
def maven_report():
    return fr.build(load_dataset(MAVEN, preset="maven_crm"), quarter="2017Q4")


def test_maven_bridge_renders_and_balances(maven_report):
    r = maven_report
    assert r.bridge is not None and r.bridge_sentence
    assert "Without history snapshots" in r.bridge_sentence
    assert "Stage progress" in r.definitions and "Forecast bridge" in r.definitions
    v = r.bridge.steps.set_index("step")["amount"]
    assert round(v.iloc[1:-1].sum(), 2) == round(v["end"] - v["start"], 2)
    assert not r.bridge_chart.empty and len(r.bridge_table) > 0
    # no open deal is expected to close in 2018Q1: nothing to push, nothing written
    assert len(r.push_list) == 0 and r.push_files == {}
    assert r.push_sentence.startswith("No open deal is expected to close in 2018Q1 yet")


def push_files_match_the_table(r, folder) -> None:
    """The per-manager CSVs of a report hold exactly its push-list rows (shared check)."""
    page.csv_handouts(r.push_files, str(folder), "Files")
    files = sorted(folder.glob(f"{fr.PUSH_FILE}_*.csv"))
    assert len(files) == len(r.push_files) > 1
    shown = r.push_list.labelled()
    for f in files:
        got = pd.read_csv(f, dtype={"Deal": str})
        manager = got["Manager"].iloc[0]
        want = shown[shown["Manager"] == manager].reset_index(drop=True)
        assert (got["Manager"] == manager).all()
        assert got["Deal"].tolist() == want["Deal"].astype(str).tolist()
        assert got["Value at risk"].tolist() == pytest.approx(
            pd.to_numeric(want["Value at risk"]).round(2).tolist(), abs=0.006
        )
        assert got["Risk flags"].fillna("").tolist() == want["Risk flags"].tolist()
    assert sum(len(pd.read_csv(f)) for f in files) == len(shown)
