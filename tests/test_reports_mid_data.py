"""All the reports on one export at as-of dates in the middle of its data.

The Salesforce export fixture runs from 2024-06 to 2026-05-14; reports built on 2025-08-15
(mid-quarter) and 2025-11-14 must know nothing of what came later: every result field is
walked (frames, tables, sentences, tiles, findings, definitions) and no backtest, trend,
track record, replay or table row is dated after the as-of date, and no sentence holds a
NaN. Quotas and comp plans are added for one run so the quota and replay paths are walked
too. Dates that may lie later by their meaning are named: an open deal's expected close
date, the plan year report 04 designs, what happened to a deal since (``since``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.data import SalesData
from salesops_lib.reports import (
    comp_plan,
    customer_profile,
    data_quality,
    forecasting,
    pipeline_health,
    quota_design,
    rep_benchmarking,
    team_visibility,
    territory_design,
)
from salesops_lib.reports.tables import Table

from .conftest import FIXTURES

BUILDERS = {
    "01": team_visibility,
    "02": rep_benchmarking,
    "03": forecasting,
    "04": quota_design,
    "05": comp_plan,
    "06": pipeline_health,
    "07": data_quality,
    "08": territory_design,
    "09": customer_profile,
}
AS_OF = ["2025-08-15", "2025-11-14"]
QUARTER = re.compile(r"(\d{4}Q[1-4])")
NAN_WORDS = re.compile(r"\b(nan|NaN|NaT|inf)\b|\bNone\b(?! of)|\$nan")
MONTH = re.compile(r"\d{4}-\d{2}|[A-Z][a-z]{2} \d{4}")
LATER_BY_MEANING = {"close_date", "close_now", "close_then"}
"""Date columns that may lie after the as-of date: an open deal's expected close date."""
PLAN_YEAR = "04."
"""Report 04 designs next year's quotas: the quarters and months of its plan year lie ahead."""
COMPLETE_ONLY = ("backtest", "track_record", "errors_by_quarter", "replay", "accuracy")
"""Results about quarters already over on the as-of date: each quarter has ended by then."""
PLANS = {
    "comp": {
        "plans": [
            {
                "name": f"{role} plan",
                "current": True,
                "roles": [role],
                "ote": 150_000,
                "base_share": 0.5,
                "threshold": 0.5,
                "cap": 2.5,
                "mode": "marginal",
                "tiers": [{"from": 0.0, "to": 1.0, "rate": 1.0}, {"from": 1.0, "rate": 1.5}],
            }
            for role in ("Account Executive", "Enterprise Account Executive")
        ]
    }
}


def leaves(obj: object, path: str) -> Iterator[tuple[str, object]]:
    """Every value a report result holds, with the path to it (``03.backtests[0]``)."""
    if isinstance(obj, Table):
        yield from leaves(obj.frame, path + ".frame")
        yield path + ".caption", obj.caption
        yield path + ".labels", " ".join(obj.spec.labels)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from leaves(getattr(obj, f.name), f"{path}.{f.name}")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield f"{path}[{k!r}].key", str(k)
            yield from leaves(v, f"{path}[{k!r}]")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from leaves(v, f"{path}[{i}]")
    else:
        yield path, obj


def quarter_end(data: SalesData, label: str) -> pd.Timestamp:
    return data.calendar.bounds(label)[1]


def dated_after(
    data: SalesData,
    path: str,
    frame: pd.DataFrame,
    day: pd.Timestamp,
    plan: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> list[str]:
    """What in ``frame`` is dated after ``day`` without being allowed to by its meaning.

    ``plan``: the first and last day of report 04's plan year, whose quarters and months
    may lie ahead in report 04's results.
    """
    complete = any(word in path for word in COMPLETE_ONLY)
    ahead = plan if plan is not None and path.startswith(PLAN_YEAR) else None

    def later(start: pd.Timestamp, end: pd.Timestamp) -> bool:
        if ahead is not None and ahead[0] <= start and end <= ahead[1]:
            return False
        return start > day or (complete and end > day)

    out = []
    flat = frame.reset_index()
    for column in flat.columns:
        s = flat[column]
        name = str(column)
        for label in QUARTER.findall(name):  # a quarter as a column: 2025Q3, quota_2025Q3
            if later(*data.calendar.bounds(label)):
                out.append(f"{path}: column {name}")
        if name in LATER_BY_MEANING or name == "since":
            continue
        if pd.api.types.is_datetime64_any_dtype(s):
            dated = s[s > day]
            if len(dated):
                out.append(f"{path}: {name} {dated.max().date()} ({len(dated)} rows)")
        elif s.dtype == object or pd.api.types.is_string_dtype(s):
            text = pd.Series(sorted(set(s.dropna().astype(str))), dtype=object)
            for label in text[text.str.fullmatch(QUARTER.pattern)]:
                if later(*data.calendar.bounds(label)):
                    out.append(f"{path}: {name} {label}")
            for label in text[text.str.fullmatch(MONTH.pattern)]:
                month = pd.Period(pd.Timestamp(label), freq="M")
                if later(month.start_time, month.end_time.normalize()):
                    out.append(f"{path}: {name} {label}")
    return out


@pytest.fixture(scope="module")
def export() -> SalesData:
    return load_dataset(FIXTURES / "salesforce_export", preset="salesforce")


@pytest.fixture(scope="module")
def with_quotas(export: SalesData) -> SalesData:
    """The export with a quota of $60K per rep in every quarter of its data."""
    quarters = export.quarters()
    quotas = pd.DataFrame(
        [(r, q, 60_000.0) for r in export.reps["rep_id"] for q in quarters],
        columns=["rep_id", "period", "quota"],
    )
    return export.replace(quotas=quotas)


def built(data: SalesData, as_of: str) -> Iterator[tuple[str, object]]:
    quarter = data.calendar.label(pd.Period(as_of, freq=data.calendar.freq))
    for number, builder in BUILDERS.items():
        extra = {"config": PLANS} if builder is comp_plan else {}
        yield number, builder.build(data, quarter=quarter, as_of=as_of, **extra)


def check(data: SalesData, as_of: str) -> tuple[list[str], int]:
    day = pd.Timestamp(as_of)
    wrong: list[str] = []
    walked = 0
    for number, result in built(data, as_of):
        plan = (result.plan.start, result.plan.end) if number == "04" else None
        for path, value in leaves(result, number):
            walked += 1
            if isinstance(value, str) and NAN_WORDS.search(value):
                wrong.append(f"{path}: {value[:200]!r}")
            elif isinstance(value, pd.Series):
                name = path.rsplit(".", 1)[-1]
                frame = value.to_frame(name if name not in LATER_BY_MEANING else "close_date")
                wrong += dated_after(data, path, frame, day, plan)
            elif isinstance(value, pd.DataFrame):
                wrong += dated_after(data, path, value, day, plan)
            elif isinstance(value, pd.Timestamp) and value > day:
                if plan is not None and plan[0] <= value <= plan[1]:
                    continue
                if not path.endswith(".end"):  # the last day of the quarter reported
                    wrong.append(f"{path}: {value.date()}")
    return wrong, walked


@pytest.mark.parametrize("as_of", AS_OF)
def test_no_report_knows_what_came_after_the_as_of_date(export, as_of):
    assert export.last_date > pd.Timestamp("2026-05-01")  # the data runs well past both
    wrong, walked = check(export, as_of)
    assert walked > 700 and wrong == []


def test_with_quotas_and_plans_no_replay_or_attainment_comes_from_later(with_quotas):
    wrong, walked = check(with_quotas, AS_OF[1])
    assert walked > 700 and wrong == []
    r = comp_plan.build(with_quotas, quarter="2025Q4", as_of=AS_OF[1], config=PLANS)
    assert r.replay_quarters and all(
        quarter_end(with_quotas, q) <= pd.Timestamp(AS_OF[1]) for q in r.replay_quarters
    )


def test_the_walk_finds_a_later_row_and_a_nan_sentence(export):
    day = pd.Timestamp("2025-08-15")
    late = pd.DataFrame({"quarter": ["2025Q2", "2025Q4"], "snapshot_date": [day, day]})
    assert dated_after(export, "03.backtests[0]", late, day) == ["03.backtests[0]: quarter 2025Q4"]
    running = pd.DataFrame({"quarter": ["2025Q3"]})  # the running quarter: not yet complete
    assert dated_after(export, "01.trend.frame", running, day) == []
    assert dated_after(export, "03.backtests[0]", running, day) != []
    plan = (pd.Timestamp("2025-10-01"), pd.Timestamp("2026-09-30"))
    assert dated_after(export, "04.quarters.frame", late, day, plan) == []
    assert dated_after(export, "01.trend.frame", late, day, plan) == [
        "01.trend.frame: quarter 2025Q4"
    ]
    months = pd.DataFrame({"month": ["Aug 2025", "Sep 2025", "2025-10"]})
    assert dated_after(export, "06.trend", months, day) == [
        "06.trend: month 2025-10",
        "06.trend: month Sep 2025",
    ]
    assert NAN_WORDS.search("expects $nan for 2025Q3") and NAN_WORDS.search("win rate None")
    assert not NAN_WORDS.search("nano finance") and not NAN_WORDS.search("None of the reps")
