"""Plain words: what a manager reads names no statistics and no file or column (issue 16, point 6).

Every sentence, finding, tile, gap line, table caption, column label and text cell of each
report builder's result is scanned for technical names; a technical name may appear only in
the report's definitions list, beside its plain meaning. File and column names stay in the
README: a "how to add it" hint says "a quotas file", not ``quotas.csv`` with ``rep_id``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pandas as pd
import pytest

from salesops_lib.reports.tables import Column, Table

BANNED = {
    "WAPE": r"\bWAPEs?\b",
    "t interval": r"\bt[ -]interval",
    "Monte Carlo": r"\bMonte Carlo\b",
    "gradient boosting": r"\bgradient[ -]boost",
    "classifier": r"\bclassifier\b",
    "z-test": r"\bz[ -]test\b",
    "Holt-Winters": r"\bHolt\b",
    "ARIMA": r"\bARIMA\b",
    "pp": r"\d ?pp\b|\bpp\)",
    "percentage point": r"\bpercentage points?\b",
    "out of sample": r"\bout[ -]of[ -]sample\b",
    "a file name": r"\b[\w-]+\.(csv|xlsx|parquet)\b",
    "a column name": r"\b[a-z]+_[a-z_]+\b",
}
"""What a sentence must not say (name -> pattern), outside the definitions list."""


def texts(obj: object, where: str = "result") -> Iterator[tuple[str, str]]:
    """Every text a builder's result shows, with where it sits (``findings[2].text``).

    The definitions list is left out (the one place a technical name stands beside its plain
    meaning), and so are frames (a table's cells are read through its :class:`Table`).
    """
    if isinstance(obj, str):
        if " " in obj:  # a sentence or a label, not a key such as "win_model"
            yield where, obj
    elif isinstance(obj, Table):
        yield from texts(obj.caption, f"{where}.caption")
        for c in obj.spec.columns:
            yield f"{where} column {c.key}", c.label
        shown = obj.formatted()
        for col in shown.columns:
            if shown[col].dtype == object or pd.api.types.is_string_dtype(shown[col]):
                for i, v in enumerate(shown[col]):
                    yield from texts(v, f"{where}[{i}, {col}]")
    elif isinstance(obj, Column):
        yield f"{where}.label", obj.label
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.name not in ("definitions", "data"):
                yield from texts(getattr(obj, f.name), f"{where}.{f.name}")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from texts(v, f"{where}[{i}]")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from texts(v, f"{where}[{k!r}]")


def jargon(result: object) -> list[str]:
    """Each text of ``result`` that says a banned word, as ``where: 'word' in "text"``."""
    found = []
    for where, text in texts(result):
        for name, pattern in BANNED.items():
            if re.search(pattern, text):
                found.append(f'{where}: {name!r} in "{text}"')
    return found


def test_the_scan_finds_jargon_and_leaves_definitions_alone():
    from salesops_lib.reports.base import Finding, Gap

    @dataclasses.dataclass(frozen=True)
    class Result:
        findings: list
        gaps: list
        definitions: dict

    r = Result(
        [Finding("It missed by 4.8% (WAPE).", 0.0, "Forecast")],
        [Gap("Pace", "quotas", "add quotas.csv with rep_id, period")],
        {"Average miss": "The sum of absolute errors over actuals (WAPE)."},
    )
    found = jargon(r)
    assert found[0] == "result.findings[0].text: 'WAPE' in \"It missed by 4.8% (WAPE).\""
    assert {f.split(": ")[1].split(" in ")[0] for f in found[1:]} == {
        "'a file name'",
        "'a column name'",
    }
    assert not any("definitions" in f for f in found)


def _build_all(data: object, quarter: str, config: dict, forecast: object = None) -> dict:
    """Reports 01-07 built on ``data`` for ``quarter`` (03 from ``forecast`` when given)."""
    from salesops_lib.reports import (
        comp_plan,
        customer_profile,
        data_quality,
        forecasting,
        pipeline_health,
        quota_design,
        rep_benchmarking,
        team_visibility,
    )

    q = quarter
    return {
        "01": team_visibility.build(data, quarter=q),
        "02": rep_benchmarking.build(data, quarter=q),
        "03": forecast if forecast is not None else forecasting.build(data, quarter=q),
        "04": quota_design.build(data, quarter=q),
        "05": comp_plan.build(data, quarter=q, config=config),
        "06": pipeline_health.build(data, quarter=q),
        "07": data_quality.build(data, quarter=q),
        "09": customer_profile.build(data, quarter=q),
    }


@pytest.fixture(scope="module")
def demo_results(demo, demo_dir, demo_forecast):
    """Reports 01-07 on the demo for 2026Q3 (03 from the session's shared build)."""
    from salesops_lib.config import load_config

    return _build_all(demo, "2026Q3", load_config(demo_dir / "salesops.toml"), demo_forecast)


@pytest.fixture(scope="module")
def maven_results(maven):
    """Reports 01-07 on the Maven example for 2017Q4: without quotas or history, its gap
    lines say how to add them."""
    return _build_all(maven, "2017Q4", {})


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def export_results(request):
    """Reports 01-07 on the Salesforce and HubSpot export fixtures, their latest quarter."""
    from salesops_lib import load_dataset

    from .conftest import FIXTURES

    data = load_dataset(FIXTURES / f"{request.param}_export", preset=request.param)
    return _build_all(data, data.latest_complete_quarter(), {})


def _assert_plain(built: dict) -> None:
    for name, r in built.items():  # the scan reads each report's words, not nothing
        assert len(list(texts(r))) > 10, name
    found = [f"{name} {hit}" for name, r in built.items() for hit in jargon(r)]
    assert not found, "technical words outside the definitions:\n" + "\n".join(found)


@pytest.mark.parametrize("results", ["demo_results", "maven_results"])
def test_reports_say_it_in_a_managers_words(results, request):
    _assert_plain(request.getfixturevalue(results))


def test_export_reports_say_it_in_a_managers_words(export_results):
    _assert_plain(export_results)
