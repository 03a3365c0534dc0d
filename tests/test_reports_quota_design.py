"""Report 04 (quota design): the builder's sentences on hand-made figures, the builder on a tiny
company, and on the demo against values computed another way (pandas on the raw CSV files)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis import quota
from salesops_lib.reports import quota_design as qd
from salesops_lib.reports.base import money_in

from .test_data import write

FMT = money_in("USD")


def _share(share: float, lo: float | None = None, hi: float | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "reps": [10],
            "share": [share],
            "lo80": [lo if lo is not None else share - 0.1],
            "hi80": [hi if hi is not None else share + 0.1],
            "in_band": [0.55 <= share <= 0.70],
        },
        index=pd.Index(["All reps"], name="team"),
    )


def _choice(
    *, target: float, asked_share: float, reachable: bool, factor: float = 0.7
) -> quota.PlanChoice:
    """A plan choice with quotas adding up to target × 1.1 (or × factor when reachable)."""
    asked = pd.DataFrame({"rep_id": ["a", "b"], "quota": [target * 1.1 / 2] * 2})
    chosen = asked.assign(quota=asked["quota"] * factor) if reachable else asked
    return quota.PlanChoice(
        target=target,
        overassign=1.1,
        band=(0.55, 0.70),
        asked=asked,
        share_asked=_share(asked_share),
        factor=factor,
        reachable_target=round(target * factor, 2),
        reachable=reachable,
        chosen=chosen,
        share_chosen=_share(0.625) if reachable else _share(asked_share),
    )


def _trailing(*values: float) -> pd.Series:
    qs = ["2025Q4", "2026Q1", "2026Q2", "2026Q3"][-len(values) :] if values else []
    return pd.Series(list(values), index=pd.Index(qs, name="quarter"), dtype=float)


# ---- the quota against the last four quarters' bookings --------------------------------------


def test_trailing_sentence_below_because_of_the_reachable_plan():
    c = _choice(target=100e6, asked_share=0.23, reachable=True, factor=0.7)  # quota $77.0M
    text = qd.trailing_sentence(c, _trailing(22e6, 23e6, 24e6, 24e6), FMT, at_trailing=0.5)
    assert text == (
        "The company quota of **$77.0M** for the year is **below** the last 4 quarters' bookings "
        "($93.0M, 2025Q4–2026Q3), by $16.0M. The target asked ($100M, quotas of $110M) was above "
        "them; the quotas are lower because that plan would put only 23% of reps at quota, so the "
        "reachable plan scales every quota down until 62.5% are expected to reach it. Quotas "
        "adding up to those bookings would put about 50% of reps at quota."
    )


def test_trailing_sentence_below_because_the_target_asked_for_it():
    c = _choice(target=50e6, asked_share=0.6, reachable=False)  # quota $55.0M, in band
    text = qd.trailing_sentence(c, _trailing(22e6, 23e6, 24e6, 24e6), FMT)
    assert text == (
        "The company quota of **$55.0M** for the year is **below** the last 4 quarters' bookings "
        "($93.0M, 2025Q4–2026Q3), by $38.0M. The target asked for it: $50.0M × 1.10 = $55.0M."
    )


def test_trailing_sentence_below_already_as_asked_then_scaled():
    c = _choice(target=80e6, asked_share=0.3, reachable=True, factor=0.9)  # asked 88, chosen 79.2
    text = qd.trailing_sentence(c, _trailing(22e6, 23e6, 24e6, 24e6), FMT)
    assert "The quotas asked were already below them ($80.0M × 1.10 = $88.0M)" in text
    assert text.startswith("The company quota of **$79.2M** for the year is **below**")


def test_trailing_sentence_above_and_for_a_team():
    c = _choice(target=100e6, asked_share=0.6, reachable=False)  # $110M
    assert qd.trailing_sentence(c, _trailing(22e6, 23e6, 24e6, 24e6), FMT, scope="Team East") == (
        "Team East's quota of **$110M** is at or above the last 4 quarters' bookings ($93.0M, "
        "2025Q4–2026Q3), 18% above them."
    )


def test_trailing_sentence_with_less_than_a_year_of_history():
    c = _choice(target=100e6, asked_share=0.6, reachable=False)
    assert qd.trailing_sentence(c, _trailing(20e6, 20e6), FMT) == (
        "The data holds only 2 complete quarters of bookings ($40.0M, 2026Q2–2026Q3), too few to "
        "set the year's quota of $110M against a year of bookings."
    )
    # a quota below even those few quarters is still said
    low = _choice(target=30e6, asked_share=0.6, reachable=False)
    text = qd.trailing_sentence(low, _trailing(20e6, 20e6, 20e6), FMT)
    assert text.startswith(
        "The company quota of **$33.0M** for the year is **below** the bookings of the only 3 "
        "complete quarters in the data ($60.0M, 2026Q1–2026Q3; not even a full year), by $27.0M."
    )
    assert qd.trailing_sentence(c, _trailing(), FMT) is None


# ---- which plan the letters carry -------------------------------------------------------------


def test_choice_sentence_branches():
    inside = _choice(target=100e6, asked_share=0.6, reachable=False)
    assert qd.choice_sentence(inside, 120e6, FMT) == (
        "That is inside the healthy band; the quotas as asked are the ones handed out."
    )
    out = _choice(target=100e6, asked_share=0.23, reachable=True, factor=0.7)
    assert qd.choice_sentence(out, 90e6, FMT) == (
        "That is outside the healthy band. The reachable plan puts 62.5% of reps at quota: a "
        "target of **$70.0M** (-30.0% against the target asked) with the same 1.10× "
        "over-assignment, so quotas add up to $77.0M. The quotas as asked add up to 122% of what "
        "the reps in seat are expected to book ($90.0M); the rest of the target asked ($10.0M) "
        "must come from new hires or a smaller target. The sections below and the quota letters "
        "use the reachable plan."
    )
    # the reps in seat are expected to book the whole target: nothing is left to new hires
    text = qd.choice_sentence(out, 105e6, FMT)
    assert "must come from new hires" not in text and "($105M). The sections below" in text


def test_band_sentence():
    c = _choice(target=100e6, asked_share=0.23, reachable=True)
    assert qd.band_sentence(c, FMT) == (
        "With the quotas as asked ($100M × 1.10 = $110M), the simulation expects **23%** of reps "
        "to reach quota (80% range 13%–33%); the healthy band is 55–70%."
    )


# ---- ramp, history, split, change, back-test ---------------------------------------------------


def test_ramp_sentence_branches():
    ramp = (0.0, 0.25, 0.5, 0.75, 1.0)
    none = pd.DataFrame(columns=["rep_name", "hire_date", "ramp_factor"])
    assert qd.ramp_sentence(none, 4, ramp) == (
        "Every one of the 4 reps is fully ramped by the plan year's start (ramp 0% / 25% / 50% / "
        "75% / 100% by month of tenure, counted from the hire date)."
    )
    assert qd.ramp_sentence(none, 4, ramp, no_hire_date=4).startswith(
        "The data has no hire dates, so every rep is treated as fully ramped"
    )
    one = pd.DataFrame(
        {"rep_name": ["Di"], "hire_date": [pd.Timestamp("2026-01-01")], "ramp_factor": [9.5 / 12]}
    )
    later = one.assign(hire_date=pd.Timestamp("2026-10-24"))
    assert "Di (starts 2026-10-24), 79%" in qd.ramp_sentence(
        later, 4, ramp, as_of=pd.Timestamp("2026-09-30")
    )
    assert qd.ramp_sentence(one, 4, ramp, no_hire_date=1) == (
        "1 rep is still ramping during the plan year (ramp 0% / 25% / 50% / 75% / 100% by month "
        "of tenure, counted from the hire date) and carries that share of a full-year quota: Di "
        "(hired 2026-01-01), 79%. 1 rep without a hire date counts as fully ramped."
    )


def _letters(history: list[str], no_history: list[bool]) -> pd.DataFrame:
    n = len(history)
    return pd.DataFrame(
        {
            "rep_name": [f"Rep {chr(65 + i)}" for i in range(n)],
            "quota": [100.0] * n,
            "history": history,
            "no_history": no_history,
        }
    )


def test_history_sentence_branches():
    full = _letters(["3 won of 9 deals", "1 won of 2 deals"], [False, False])
    assert qd.history_sentence(full) == (
        "Every one of the 2 letters goes to a rep with deals in the data."
    )
    one = _letters([quota.NO_DEALS, "3 won of 9 deals", quota.NO_WIN], [True, False, False])
    assert qd.history_sentence(one) == (
        "**1 letter** goes to a rep with no deal in the data (Rep A): its quota comes from their "
        "peers' figures, not from a record of their own; the History column flags it; 1 rep has "
        "not won a deal yet."
    )
    many = _letters([quota.NO_DEALS] * 7, [True] * 7)
    assert "(Rep A, Rep B, Rep C, Rep D, Rep E and 2 more)" in qd.history_sentence(many)


def test_split_sentence_branches():
    split = pd.DataFrame(
        {"quarter": ["2027Q1", "2027Q2"], "quota": [1.0, 1.0], "seasonal_share": [0.4, 0.6]}
    )
    assert qd.split_sentence(split, [2025, 2024], ramping=2) == (
        "The year splits by the average monthly share of bookings in fiscal years FY2024 and "
        "FY2025; quarter shares: 2027Q1 40%, 2027Q2 60%. The 2 ramping reps' quotas follow the "
        "ramp, so quarter totals differ slightly from the seasonal shares."
    )
    assert qd.split_sentence(split, []) == (
        "The year is split evenly across its months, because the data holds no complete fiscal "
        "year of bookings; quarter shares: 2027Q1 40%, 2027Q2 60%."
    )


def test_change_sentence_branches():
    fair = pd.DataFrame(
        {
            "quota": [120.0, 100.0],
            "previous_quota": [100.0, 100.0],
            "change": [0.2, 0.0],
            "flag_outgrows_territory": [True, False],
        }
    )
    assert qd.change_sentence(fair) == (
        "Among reps with a quota in every quarter of the previous year, the company quota changes "
        "by 10.0%. 1 rep's quota rose more than 25 points faster than both that and the rep's "
        "territory's bookings (trailing four quarters over the four before)."
    )
    assert qd.change_sentence(fair.assign(change=np.nan)) is None


def test_backtest_sentence():
    bt = quota.YearBacktest(
        2025, pd.Timestamp("2024-12-31"), 78.2e6, 86.0e6, 0.41, 0.33, 0.5, 0.49, 57
    )
    assert qd.backtest_sentence(bt, FMT) == (
        "Quotas proposed for FY2025 with data up to 2024-12-31 (target: that day's forecast, "
        "$78.2M), against what the reps then booked: simulated **41%** at quota, realized "
        "**49%** of the 57 reps who stayed all year."
    )
    assert qd.backtest_sentence(None, FMT) is None


def test_plan_sentence_branches():
    plan = quota.PlanPeriod(
        "FY2027",
        ("2027Q1",),
        pd.period_range("2027-01", "2027-03", freq="M"),
        pd.Timestamp("2027-01-01"),
        pd.Timestamp("2027-12-31"),
    )
    day = pd.Timestamp("2026-09-30")
    ramp = (0.0, 1.0)
    hand = qd.plan_sentence(
        plan,
        quota.PlanTarget(5e6, "hand"),
        method="even",
        overassign=1.2,
        ramp=ramp,
        as_of=day,
        fmt=FMT,
    )
    assert hand == (
        "Plan period **FY2027** (2027-01-01 to 2027-12-31), planned with data up to 2026-09-30. "
        "Target **$5.0M**: set by hand. Method **Even**, over-assignment **1.20×**, ramp 0% / "
        "100% by month of tenure."
    )
    grown = quota.PlanTarget(11e6, "forecast", 10e6, "ets_quarterly", 0.1)
    assert (
        "Target **$11.0M**: the year-ahead forecast for FY2027 (Holt-Winters (trend and seasons) "
        "on quarterly bookings), $10.0M, grown by +10.0%."
    ) in qd.plan_sentence(
        plan, grown, method="blend", overassign=1.1, ramp=ramp, as_of=day, fmt=FMT
    )
    partial = quota.PlanTarget(4e6, "forecast", 4e6, "mean_last4")
    assert (
        "2026Q1 is only partly inside the data (bookings start on 2026-03-01)"
        in qd.plan_sentence(
            plan,
            partial,
            method="blend",
            overassign=1.1,
            ramp=ramp,
            as_of=day,
            fmt=FMT,
            partial=["2026Q1"],
            data_start=pd.Timestamp("2026-03-01"),
        )
    )
    none = quota.PlanTarget(None, "none", problem="too little bookings history")
    assert qd.plan_sentence(
        plan, none, method="blend", overassign=1.1, ramp=ramp, as_of=day, fmt=FMT
    ).endswith(
        "No quotas can be proposed, because there is no target: too little bookings history."
    )


# ---- the builder on a tiny company -------------------------------------------------------------

REPS = (
    "rep_id,rep_name,team,role,territory,hire_date,end_date\n"
    "r1,Ann,A,AE,T1,2023-01-01,\n"
    "r2,Bo,A,AE,T2,2023-01-01,\n"
    "r3,Cy,B,AE,T2,2023-01-01,\n"
    "r4,Di,B,AE,T3,2026-01-01,\n"
    "r5,Ed,B,AE,T3,2023-01-01,2025-06-30\n"
    "r6,Flo,A,AE,T1,2024-01-01,\n"
    "r7,Gus,B,AE,T3,2025-12-15,\n"
)
ACCOUNTS = (
    "account_id,account_name,segment,annual_revenue,territory\n"
    "a1,One,S,100,T1\na2,Two,S,300,T2\na3,Three,S,100,T3\n"
)


def _opps() -> str:
    rows = ["opp_id,account_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won"]
    n = 0
    for month in range(1, 13):
        for rep, acc, amount in (("r1", "a1", 1000), ("r2", "a2", 2000), ("r3", "a2", 3000)):
            n += 1
            rows.append(
                f"o{n},{acc},{rep},Won,{amount},2025-{month:02d}-01,2025-{month:02d}-15,true,true"
            )
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = write(
        tmp_path_factory.mktemp("qd"), reps=REPS, opportunities=_opps(), accounts=ACCOUNTS
    )
    return load_dataset(folder)


@pytest.fixture(scope="module")
def tiny_report(tiny):
    return qd.build(tiny, quarter="2025Q4", target=100_000, method="even", overassign=1.1)


def _ramp_by_hand() -> dict[str, float]:
    """Months of full-quota capacity in FY2026 for each rep in seat (ramp 0/25/50/75/100)."""
    # Gus, hired 2025-12-15: tenure months start on the 15th; Jan has 17 days at 25%, Feb 14 at
    # 25% and 14 at 50%, Mar 14 at 50% and 17 at 75%, Apr 14 at 75% and 16 at 100%, then 8 full
    gus = 17 * 0.25 / 31 + (14 * 0.25 + 14 * 0.5) / 28 + (14 * 0.5 + 17 * 0.75) / 31
    gus += (14 * 0.75 + 16) / 30 + 8
    return {"r1": 12.0, "r2": 12.0, "r3": 12.0, "r4": 9.5, "r6": 12.0, "r7": gus}


def test_tiny_quotas_follow_the_ramp_from_the_hire_date_to_the_cent(tiny_report):
    r = tiny_report
    lt = r.letters.frame.set_index("rep_id")
    months = _ramp_by_hand()
    total = sum(months.values())
    assert sorted(lt.index) == sorted(months)  # Ed left before the plan
    assert round(lt["quota"].sum() * 100) == round(r.choice.chosen_target * 1.1 * 100)
    for rep, m in months.items():
        expected = r.choice.quota * m / total
        assert lt.loc[rep, "quota"] == pytest.approx(expected, abs=0.01)
    assert lt.loc["r7", "ramp_share_of_full_year"] == pytest.approx(months["r7"] / 12, abs=1e-4)
    assert "Gus (hired 2025-12-15), 84%" in r.ramp_sentence
    assert "Di (starts 2026-01-01), 79%" in r.ramp_sentence  # hired after the planning date


def test_tiny_letters_flag_reps_without_history(tiny_report):
    r = tiny_report
    lt = r.letters.frame.set_index("rep_id")
    assert lt.loc[["r4", "r6", "r7"], "no_history"].all()
    assert not lt.loc[["r1", "r2", "r3"], "no_history"].any()
    assert (lt.loc[["r4", "r6", "r7"], "history"] == quota.NO_DEALS).all()
    assert lt.loc["r1", "history"] == "12 won of 12 deals"
    assert "History" in r.letters.labelled().columns
    assert r.history_sentence.startswith(
        "**3 letters** go to reps with no deal in the data (Di, Flo and Gus)"
    )
    assert any("go to reps with no deal" in f.text for f in r.findings)


def test_tiny_sections_without_their_data_say_so(tiny_report):
    r = tiny_report
    # no quotas in the data: the change from last year cannot be shown; the data starts in
    # FY2025, so there is no year to back-test
    missing = {(g.section, g.missing) for g in r.gaps}
    assert (qd.FAIR, "quotas") in missing
    assert (qd.BACKTEST, qd.NO_BACKTEST_YEAR) in missing
    assert r.status == f"Partial: no quotas, no {qd.NO_BACKTEST_YEAR}"
    assert r.change_sentence is None and r.backtest_sentence is None
    # every section shows something: its content or the line that says what is missing
    shown = {
        qd.CARRY: r.allocation_sentence,
        qd.REACH: r.band_sentence,
        qd.FAIR: r.team_fairness,
        qd.SPLIT: r.split_sentence,
        qd.LETTERS: r.example_letter,
        qd.BACKTEST: r.backtest_table,
    }
    for section, content in shown.items():
        assert content is not None or any(g.section == section for g in r.gaps), section


def test_tiny_trailing_bookings_from_the_raw_deals(tiny_report):
    # the data runs from 2025-01-15 to 2025-12-15, so 2025Q4 is still running on the planning
    # date: three complete quarters, each 3 × 6,000
    r = tiny_report
    assert r.period.as_of == pd.Timestamp("2025-12-15")
    assert r.trailing.index.tolist() == ["2025Q1", "2025Q2", "2025Q3"]
    assert r.trailing.sum() == pytest.approx(9 * 6000)
    assert r.choice.quota > r.trailing.sum()
    assert r.trailing_sentence.startswith("The data holds only 3 complete quarters of bookings")


def test_without_a_target_every_section_says_why(tmp_path):
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
        "o1,r1,Won,1000,2025-10-01,2025-11-15,true,true\n"
    )
    d = load_dataset(
        write(tmp_path / "t", reps="rep_id,rep_name,team\nr1,Ann,A\n", opportunities=opps)
    )
    r = qd.build(d, quarter="2025Q4")
    assert r.choice is None and r.target.amount is None
    assert {g.section for g in r.gaps} == set(qd.SECTIONS)
    assert r.status == f"Partial: no {qd.NO_TARGET}"
    assert "set the notebook's target parameter" in r.gaps[0].how
    assert r.plan_sentence.endswith(
        "No quotas can be proposed, because there is no target: too little bookings history for "
        "a year-ahead forecast (0 quarters; at least 4 needed)."
    )


def test_bad_parameters_are_config_errors(tiny):
    from salesops_lib.errors import ConfigError

    with pytest.raises(ConfigError, match="method"):
        qd.build(tiny, quarter="2025Q4", method="magic")
    with pytest.raises(ConfigError, match="ramp"):
        qd.build(tiny, quarter="2025Q4", ramp="0/50")


# ---- the demo, against pandas on the raw files -------------------------------------------------


@pytest.fixture(scope="module")
def demo_report(demo):
    return qd.build(demo, quarter="2026Q3")


@pytest.fixture(scope="module")
def raw(demo_dir):
    reps = pd.read_csv(demo_dir / "reps.csv", parse_dates=["hire_date", "end_date"])
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["created_date", "close_date"])
    return reps, opps


def test_demo_trailing_bookings_and_the_sentence(demo_report, raw):
    _, opps = raw
    won = opps[opps["is_won"].astype(bool)]
    last4 = won[(won["close_date"] >= "2025-10-01") & (won["close_date"] <= "2026-09-30")]
    r = demo_report
    assert r.trailing.sum() == pytest.approx(last4["amount"].sum())
    below = r.choice.quota < last4["amount"].sum()
    assert ("**below**" in r.trailing_sentence) == below
    assert ("is at or above" in r.trailing_sentence) == (not below)
    assert any("below the last 4 quarters" in f.text for f in r.findings) == below


def test_demo_quotas_add_up_to_the_chosen_target_to_the_cent(demo_report):
    r = demo_report
    lt = r.letters.frame
    assert round(lt["quota"].sum() * 100) == round(r.choice.chosen_target * 1.1 * 100)
    quarters = [c for c in lt.columns if c.startswith("quota_")]
    cents = np.round(lt[quarters].to_numpy() * 100).astype(np.int64).sum(axis=1)
    assert (cents == np.round(lt["quota"].to_numpy() * 100).astype(np.int64)).all()
    assert r.tiles[0].value == FMT(lt["quota"].sum())


def test_demo_reps_in_seat_ramp_and_history_from_the_raw_files(demo_report, raw):
    reps, opps = raw
    r = demo_report
    lt = r.letters.frame.set_index("rep_id")
    seat = reps[
        (reps["hire_date"].isna() | (reps["hire_date"] <= "2027-12-31"))
        & (reps["end_date"].isna() | (reps["end_date"] > "2027-01-01"))
    ]
    assert sorted(lt.index) == sorted(seat["rep_id"])
    # ramping: hired less than four months before the plan starts (ramp 0/25/50/75/100)
    ramping = seat.loc[seat["hire_date"] > pd.Timestamp("2026-09-01"), "rep_id"]
    assert sorted(quota.ramping(r.choice.chosen)["rep_id"]) == sorted(ramping)
    # no history: no deal created by the planning date
    dealt = set(opps.loc[opps["created_date"] <= "2026-09-30", "rep_id"])
    assert set(lt.index[lt["no_history"]]) == set(seat["rep_id"]) - dealt


def test_demo_letters_written_from_the_table(demo_report, tmp_path):
    import openpyxl

    from salesops_lib.render import page

    r = demo_report
    html = page.handout(r.letters, str(tmp_path), "04_quota_letters", r.letters_what).data
    assert 'href="04_quota_letters.csv"' in html and 'href="04_quota_letters.xlsx"' in html
    csv = pd.read_csv(tmp_path / "04_quota_letters.csv")
    assert list(csv.columns) == r.letters.spec.labels
    assert len(csv) == len(r.letters.frame)
    assert csv["FY2027 quota"].sum() == pytest.approx(r.letters.frame["quota"].sum())
    book = openpyxl.load_workbook(tmp_path / "04_quota_letters.xlsx")
    assert sorted(book.sheetnames) == sorted(r.letters.frame["team"].unique())
    rows = sum(ws.max_row - 1 for ws in book.worksheets)
    assert rows == len(csv)
    assert page.handout(r.letters, "", "x", "y").data == ""


def test_demo_has_every_section_and_no_gap(demo_report):
    r = demo_report
    assert r.status == "Ready"
    assert all(
        x is not None
        for x in (
            r.by_team,
            r.reps,
            r.share,
            r.team_fairness,
            r.quarters,
            r.letters,
            r.backtest_table,
        )
    )
