"""The public analysis functions read the quarter forms people type and say when an input is wrong.

Issue 18: ``kpi_table(quarter="2026-Q3")`` gave NaN quota, ``has_quotas`` False and
``comp.statements`` an empty frame; a quarter outside the data gave zeros; a misspelt plan
key was ignored; an unknown method gave "No objects to concatenate".
"""

from __future__ import annotations

import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis import comp
from salesops_lib.analysis import forecast as fc
from salesops_lib.analysis.kpis import has_quotas, kpi_table
from salesops_lib.config import check_config, load_config
from salesops_lib.errors import ConfigError, SalesOpsDataError
from salesops_lib.reports.base import period_of

from .test_data import write
from .test_kpis import OPPS, QUOTAS, REPS

FORMS = ["2026Q1", "2026-Q1", "2026 q1", "Q1 2026", "FY2026Q1", "FY26-Q1", "Q1 FY2026"]
RANGE = "quarter 2030Q1 is outside the data, which covers 2025Q4 to 2026Q2"
PLAN = {"name": "AE", "ote": 100_000, "base_share": 0.5, "threshold": 0.5}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    # first close 2025-12-31, last date 2026-04-02: quarters 2025Q4 to 2026Q2
    folder = tmp_path_factory.mktemp("tiny")
    return load_dataset(write(folder, reps=REPS, opportunities=OPPS, quotas=QUOTAS))


@pytest.mark.parametrize("form", FORMS)
def test_kpis_read_every_form_with_quotas(tiny, form):
    t = kpi_table(tiny, quarter=form, by=None).iloc[0]
    # 2026Q1 by hand: quotas 5000 + 4000 + 3000, bookings 1000 + 3000 + 2000
    assert t["quota"] == 12_000 and t["bookings"] == 6000
    assert t["attainment"] == pytest.approx(0.5)
    assert has_quotas(tiny, form) is True
    assert tiny.quarter_label(form) == "2026Q1"
    assert period_of(tiny, form).quarter == "2026Q1"


@pytest.mark.parametrize("form", FORMS)
def test_pay_statements_read_every_form(tiny, form):
    plan = comp.CompPlan.from_dict(PLAN)
    st = comp.statements(tiny, [plan], quarter=form)
    assert st["rep_id"].tolist() == ["r1", "r2", "r3"]  # every rep with a 2026Q1 quota
    assert st["quota"].tolist() == [5000.0, 4000.0, 3000.0]


def test_replay_takes_one_quarter_as_a_label(tiny):
    plans = [comp.CompPlan.from_dict({**PLAN, "current": True})]
    one = comp.replay(tiny, plans, quarters="2026-Q1")
    pd.testing.assert_frame_equal(one, comp.replay(tiny, plans, quarters=["2026Q1"]))
    assert one.loc["AE", "bookings"] == 6000


@pytest.mark.parametrize(
    "call",
    [
        lambda d: kpi_table(d, quarter="2030Q1"),
        lambda d: comp.statements(d, [comp.CompPlan.from_dict(PLAN)], quarter="Q1 2030"),
        lambda d: comp.replay(d, [comp.CompPlan.from_dict(PLAN)], quarters="2030Q1"),
        lambda d: period_of(d, "FY2030Q1"),
        lambda d: d.quarter_label("2030-Q1"),
    ],
)
def test_a_quarter_outside_the_data_names_the_datas_range(tiny, call):
    with pytest.raises(ConfigError) as err:
        call(tiny)
    assert str(err.value) == RANGE


def test_a_label_that_is_no_quarter_lists_the_forms(tiny):
    with pytest.raises(
        ConfigError,
        match=r"'FY27' is not a fiscal quarter label; write it as 2026Q3 \(also read: 2026-Q3",
    ):
        kpi_table(tiny, quarter="FY27")
    with pytest.raises(ConfigError, match="also read: 2026-Q3, 2026 Q3, Q3 2026, FY2026Q3"):
        has_quotas(tiny, "27Q1")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda d: kpi_table(d, quarter="2026Q1", as_of="2025-12-15"),
            "as_of 2025-12-15 is before 2026Q1 starts (2026-01-01 to 2026-03-31)",
        ),
        (
            lambda d: comp.statements(
                d, [comp.CompPlan.from_dict(PLAN)], quarter="2026Q1", as_of="2026-05-01"
            ),
            "as_of 2026-05-01 is outside 2026Q1 (2026-01-01 to 2026-03-31)",
        ),
        (
            lambda d: period_of(d, "2026Q1", "2026-04-01"),
            "as_of 2026-04-01 is outside 2026Q1 (2026-01-01 to 2026-03-31)",
        ),
        (
            lambda d: period_of(d, "2026Q1", "soon"),
            "as_of 'soon' is not a date; write it like 2026-08-15",
        ),
    ],
)
def test_an_as_of_outside_the_quarter_gives_the_quarters_dates(tiny, call, message):
    with pytest.raises(ConfigError) as err:
        call(tiny)
    assert str(err.value) == message


def test_a_later_as_of_is_clipped_to_the_quarters_end(tiny):
    late = kpi_table(tiny, quarter="2026Q1", as_of="2026-06-30", by=None)
    pd.testing.assert_frame_equal(late, kpi_table(tiny, quarter="2026Q1", by=None))
    pd.testing.assert_frame_equal(
        late, kpi_table(tiny, quarter="2026Q1", as_of="2026-03-31", by=None)
    )
    # o8 (9999, won 2026-04-02) is after the quarter: 1000 + 3000 + 2000 only; o5 is still
    # open on 2026-03-31 (4000) and o7 (6000) closes in 2026Q2
    t = late.iloc[0]
    assert (t["bookings"], t["won"], t["open_pipeline"]) == (6000, 3, 4000)


def test_an_as_of_that_is_no_date_says_how_to_write_one(tiny):
    with pytest.raises(ConfigError) as err:
        kpi_table(tiny, quarter="2026Q1", as_of="soon")
    assert str(err.value) == "as_of 'soon' is not a date; write it like 2026-08-15"


BEYOND = "quarter {q} is beyond what the data can forecast: the data covers 2025Q4 to 2026Q2, "


@pytest.mark.parametrize("form", ["2026Q3", "Q3 2026", "FY2026-Q3"])
def test_the_quarter_after_the_as_of_dates_can_be_forecast(tiny, form):
    # the data ends 2026-04-02 (in 2026Q2): next quarter is a legitimate forecast
    f = fc.forecast_quarter(tiny, quarter=form, methods="pipeline")
    assert f["method"].tolist() == ["pipeline"] and f.attrs["as_of"] == "2026-04-02"
    assert f.attrs["booked"] == 0  # nothing of 2026Q3 is won yet


@pytest.mark.parametrize(
    ("quarter", "as_of", "message"),
    [
        (
            "2026Q4",
            None,
            BEYOND + "and as of 2026-04-02 the latest quarter it can forecast is 2026Q3 (the "
            "quarter after the as-of date's)",
        ),
        (
            "2026Q3",
            "2026-01-15",
            BEYOND + "and as of 2026-01-15 the latest quarter it can forecast is 2026Q2 (the "
            "quarter after the as-of date's)",
        ),
        (
            "2030Q1",
            "2030-01-01",
            BEYOND + "and as of 2026-04-02 (the data's last date) the latest quarter it can "
            "forecast is 2026Q3 (the quarter after the as-of date's)",
        ),
        ("2025Q1", None, "quarter 2025Q1 is outside the data, which covers 2025Q4 to 2026Q2"),
    ],
)
def test_a_quarter_the_data_cannot_forecast_names_the_range_and_the_latest(
    tiny, quarter, as_of, message
):
    with pytest.raises(ValueError) as err:
        fc.forecast_quarter(tiny, quarter=quarter, as_of=as_of, methods="pipeline")
    assert isinstance(err.value, ConfigError)
    assert str(err.value) == message.format(q=quarter)


def test_a_quarter_the_data_covers_can_be_forecast_from_an_earlier_date(tiny):
    f = fc.forecast_quarter(tiny, quarter="2026Q2", as_of="2025-12-31", methods="pipeline")
    assert f.attrs["as_of"] == "2025-12-31" and f.attrs["booked"] == 0


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (
            {**PLAN, "treshold": 0.5},
            "unknown key of comp plan 'AE' 'treshold' (did you mean 'threshold'?); valid: name, "
            "roles, ote, base_share, mode, tiers, threshold, cap, spiffs, weights, current, "
            "pipeline_multiple",
        ),
        (
            {**PLAN, "tiers": [{"from": 0, "rate": 1, "upto": 2}]},
            "unknown key of a tier of 'AE' 'upto' (did you mean 'to'?); valid: from, to, rate",
        ),
        (
            {**PLAN, "spiffs": [{"name": "x", "amount": 5, "min_amt": 1}]},
            "unknown key of a SPIFF of 'AE' 'min_amt' (did you mean 'min_amount'?); valid: name, "
            "amount, product, min_amount",
        ),
    ],
)
def test_a_misspelt_plan_key_raises_listing_the_valid_keys(plan, message):
    with pytest.raises(ConfigError) as err:
        comp.CompPlan.from_dict(plan)
    assert str(err.value) == message
    with pytest.raises(ConfigError, match="valid: "):
        comp.load_plans({"comp": {"plans": [plan]}})


def test_statements_without_a_plan_say_so(tiny):
    with pytest.raises(ConfigError, match="at least one comp plan"):
        comp.statements(tiny, [], quarter="2026Q1")


@pytest.mark.parametrize(
    ("methods", "unknown"),
    [
        (("pipe",), "'pipe' (did you mean 'pipeline'?)"),
        ("arima", "'arima'"),
        (("time_series", "ml"), "'ml'"),
    ],
)
def test_an_unknown_forecast_method_lists_the_methods(tiny, methods, unknown):
    with pytest.raises(ConfigError) as err:
        fc.forecast_quarter(tiny, quarter="2026Q2", methods=methods)
    assert str(err.value) == (
        f"unknown forecast method {unknown}; valid: time_series, pipeline, win_model, rep_call, "
        "ensemble, theta, ets, seasonal_naive, seasonal_naive_growth, last_quarter, trailing_mean"
    )
    with pytest.raises(ConfigError, match="valid: time_series, .*, trailing_mean$"):
        fc.backtest(tiny, quarters=2, methods=methods)


def test_one_method_name_is_that_method_alone(tiny):
    one = fc.forecast_quarter(tiny, quarter="2026-Q2", methods="pipeline")
    assert one["method"].tolist() == ["pipeline"]
    pd.testing.assert_frame_equal(
        one, fc.forecast_quarter(tiny, quarter="2026Q2", methods=("pipeline",))
    )


def test_methods_that_cannot_run_say_so_instead_of_no_objects_to_concatenate(tiny):
    with pytest.raises(SalesOpsDataError, match="none of the methods rep_call can forecast 2026Q2"):
        fc.forecast_quarter(tiny, quarter="2026Q2", methods="rep_call")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"fiscal": {"start_mnth": 2}},
            "unknown key of [fiscal] 'start_mnth' (did you mean 'start_month'?); valid: "
            "start_month, currency",
        ),
        (
            {"fiscl": {"start_month": 2}},
            "unknown section of salesops.toml 'fiscl' (did you mean 'fiscal'?); valid: data, "
            "fiscal, stages, comp, territory, report",
        ),
        (
            {"data": {"source": ".", "pasword": "x"}},
            "unknown key of [data] 'pasword' (did you mean 'password'?); valid: source, preset, "
            "password, columns, tables, currency, history_quarters, history, migrated_records, export_date",
        ),
        (
            {"stages": [{"name": "Won", "closed": True, "win": True}]},
            "unknown key of [stages] 'win' (did you mean 'won'?); valid: name, closed, won, "
            "probability",
        ),
        (
            {"comp": {"plan": []}},
            "unknown key of [comp] 'plan' (did you mean 'plans'?); valid: plans",
        ),
    ],
)
def test_an_unknown_config_key_raises_listing_the_valid_ones(config, message, tmp_path):
    with pytest.raises(ConfigError) as err:
        check_config(config)
    assert str(err.value) == message
    with pytest.raises(ConfigError) as err:
        load_config(config)
    assert str(err.value) == message
    path = tmp_path / "salesops.toml"
    path.write_text("[fiscal]\nstart_month = 2\nstart_mnth = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"salesops.toml: unknown key of \[fiscal\] 'start_mnth'"):
        load_config(path)


def test_the_users_own_column_labels_are_not_config_keys():
    check_config(
        {"data": {"columns": {"opportunities": {"Deal Ref": "opp_id"}}, "tables": {"x": "y"}}}
    )
