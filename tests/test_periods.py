"""Fiscal calendar: labels, bounds, week of quarter, latest complete quarter."""

from __future__ import annotations

import pandas as pd
import pytest

from salesops_lib.errors import ConfigError
from salesops_lib.periods import FiscalCalendar, parse_quarter

# (start month, date, quarter label, first day, last day) - fiscal year named by the year it ends in
CASES = [
    (1, "2026-01-01", "2026Q1", "2026-01-01", "2026-03-31"),
    (1, "2026-12-31", "2026Q4", "2026-10-01", "2026-12-31"),
    (2, "2026-01-31", "2026Q4", "2025-11-01", "2026-01-31"),
    (2, "2026-02-01", "2027Q1", "2026-02-01", "2026-04-30"),
    (4, "2026-03-31", "2026Q4", "2026-01-01", "2026-03-31"),
    (4, "2026-04-01", "2027Q1", "2026-04-01", "2026-06-30"),
    (7, "2026-06-30", "2026Q4", "2026-04-01", "2026-06-30"),
    (7, "2026-07-01", "2027Q1", "2026-07-01", "2026-09-30"),
    (10, "2026-09-30", "2026Q4", "2026-07-01", "2026-09-30"),
    (10, "2026-10-01", "2027Q1", "2026-10-01", "2026-12-31"),
    (10, "2027-02-28", "2027Q2", "2027-01-01", "2027-03-31"),
]


@pytest.mark.parametrize(("start", "date", "label", "first", "last"), CASES)
def test_quarter_of_and_bounds(start, date, label, first, last):
    cal = FiscalCalendar(start)
    assert cal.quarter_of(date) == label
    assert cal.bounds(label) == (pd.Timestamp(first), pd.Timestamp(last))


@pytest.mark.parametrize("start", [1, 2, 4, 7, 10])
def test_four_quarters_tile_the_fiscal_year(start):
    cal = FiscalCalendar(start)
    qs = [f"2027Q{i}" for i in range(1, 5)]
    bounds = [cal.bounds(q) for q in qs]
    assert bounds[0][0].month == start
    for (_, end), (nxt, _) in zip(bounds, bounds[1:], strict=False):
        assert nxt - end == pd.Timedelta(days=1)
    assert (bounds[-1][1] - bounds[0][0]).days in (364, 365)
    assert bounds[-1][1].year == 2027  # the fiscal year ends in the year that names it


@pytest.mark.parametrize(
    ("date", "week"), [("2026-07-01", 0), ("2026-07-07", 0), ("2026-07-08", 1), ("2026-09-30", 13)]
)
def test_week_of_quarter(date, week):
    assert FiscalCalendar(1).week_of_quarter(date) == week


@pytest.mark.parametrize(
    ("start", "last", "expected"),
    [
        (1, "2026-09-30", "2026Q3"),
        (1, "2026-09-29", "2026Q2"),
        (1, "2026-11-13", "2026Q3"),
        (2, "2026-04-30", "2027Q1"),
        (7, "2026-06-30", "2026Q4"),
    ],
)
def test_latest_complete_quarter(start, last, expected):
    assert FiscalCalendar(start).latest_complete_quarter(last) == expected


def test_shift_and_range_cross_year():
    cal = FiscalCalendar(1)
    assert cal.shift("2026Q1", -1) == "2025Q4"
    assert cal.shift("2025Q4", 5) == "2027Q1"
    assert cal.quarter_range("2025Q3", "2026Q2") == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]


def test_quarters_of_series_keeps_missing():
    out = FiscalCalendar(4).quarters_of(pd.Series(pd.to_datetime(["2026-04-01", None])))
    assert out.iloc[0] == "2027Q1"
    assert pd.isna(out.iloc[1])


@pytest.mark.parametrize("bad", ["2026-3", "2026Q5", ""])  # "Q3 2026" is read now
def test_bad_label_is_a_config_error(bad):
    with pytest.raises(ConfigError, match="quarter"):
        FiscalCalendar(1).period(bad)


@pytest.mark.parametrize("bad", [0, 13, "x"])
def test_bad_start_month(bad):
    with pytest.raises(ConfigError):
        FiscalCalendar(bad)


# every form a person types, in each calendar: the fiscal year is named by the year it ends in
FORMS = ["2026Q3", "2026q3", "2026-Q3", "2026 Q3", "2026_q3", "2026/Q3", " 2026 - q 3 "]
FORMS += ["Q3 2026", "q3-2026", "Q3/2026", "FY2026Q3", "fy2026-q3", "FY 2026 Q3", "FY26Q3"]
FORMS += ["fy26 q3", "Q3 FY2026", "q3 fy26"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("start", [1, 2, 7])
def test_every_typed_form_is_the_same_quarter(form, start):
    cal = FiscalCalendar(start)
    assert parse_quarter(form) == "2026Q3"
    assert cal.normalize(form) == "2026Q3"
    assert cal.bounds(form) == cal.bounds("2026Q3")


def test_fy_labels_follow_the_fiscal_calendar():
    # February start: FY2027 runs February 2026 - January 2027, so FY2027Q1 is Feb-Apr 2026
    cal = FiscalCalendar(2)
    assert cal.bounds("FY2027Q1") == (pd.Timestamp("2026-02-01"), pd.Timestamp("2026-04-30"))
    assert cal.bounds("Q4 FY27") == (pd.Timestamp("2026-11-01"), pd.Timestamp("2027-01-31"))
    assert cal.normalize(pd.Period("2026Q1", freq="Q-DEC")) == "2026Q1"


@pytest.mark.parametrize(
    "bad", ["FY27", "2026", "2026Q5", "Q0 2026", "26Q3", "2026-07", "Q3", "20261Q3", "", "FY2026"]
)
def test_a_label_that_is_no_quarter_names_the_forms_read(bad):
    with pytest.raises(ConfigError) as err:
        FiscalCalendar().period(bad)
    assert str(err.value) == (
        f"quarter {bad!r} is not a fiscal quarter label; write it as 2026Q3 "
        "(also read: 2026-Q3, 2026 Q3, Q3 2026, FY2026Q3, FY26Q3, Q3 FY2026)"
    )
