"""Deal amounts in findings: list prices the loader filled in are said to be list prices."""

from __future__ import annotations

import pandas as pd
import pytest

from salesops_lib.analysis import forecast
from salesops_lib.data import SalesData
from salesops_lib.reports.base import money_in
from salesops_lib.reports.deals import worth

from .conftest import MAVEN

FMT = money_in("USD")


class _Data:
    """Just the opportunities :func:`worth` reads."""

    def __init__(self, filled: list[bool]) -> None:
        self.opportunities = pd.DataFrame({"amount_filled": filled})


@pytest.mark.parametrize(
    ("filled", "want"),
    [
        ([False, False, False], "worth **$6.0K**"),
        ([True, True, True], "worth **$6.0K** at list price"),
        ([False, True, True], "worth **$6.0K** ($5.0K of it at list price)"),
    ],
)
def test_worth_says_how_much_is_list_price(filled, want):
    deals = pd.DataFrame({"opp_row": [0, 1, 2], "amount": [1_000.0, 2_000.0, 3_000.0]})
    data: SalesData = _Data(filled)  # type: ignore[assignment]
    assert worth(data, deals, FMT) == want


def test_maven_undated_deals_are_worth_their_list_price(maven):
    # issue 16 (VP re-read 2, finding 12): Maven's open deals have no close_value; $5.0M is
    # their products' list prices, by pandas on the raw CSVs
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv")
    prices = pd.read_csv(MAVEN / "products.csv").set_index("product")["sales_price"]
    open_ = raw[raw["deal_stage"].isin(["Engaging", "Prospecting"])]
    assert open_["close_value"].isna().all() and len(open_) == 2_089
    listed = float(open_["product"].replace({"GTXPro": "GTX Pro"}).map(prices).sum())
    undated = forecast.risks(maven, quarter="2018Q1", as_of="2017-12-31")["undated"]
    assert len(undated) == 2_089
    assert float(undated["amount"].sum()) == pytest.approx(listed)
    assert worth(maven, undated, FMT) == f"worth **{FMT(listed)}** at list price"
