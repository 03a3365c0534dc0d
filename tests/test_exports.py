"""The Salesforce and HubSpot export fixtures, at the data level: what the export has, the
canonical tables and the point-in-time layer show, and a run's snapshot keeps.

Every expectation is read from the raw CSV files with the ``csv`` module and ``strptime``
(another reading than the loader's Arrow and pandas), never pasted from the loader's output.
Rendering the reports on these fixtures is tested elsewhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from salesops_lib import load_dataset, timeline, validate
from salesops_lib.data import read_snapshot, write_snapshot

from .conftest import FIXTURES

SF = FIXTURES / "salesforce_export"
HS = FIXTURES / "hubspot_export"
HS_FILE = HS / "hubspot-crm-exports-all-deals-2026-05-20.csv"
CATEGORIES = {  # each product's label -> the canonical forecast category
    "Pipeline": "Pipeline",
    "Best Case": "Best Case",
    "Best case": "Best Case",
    "Commit": "Commit",
    "Closed": "Closed",
    "Closed won": "Closed",
    "Omitted": "Omitted",
    "Not forecasted": "Omitted",
}


@dataclass(frozen=True)
class Raw:
    """One export's deals as the file says, read without the loader."""

    preset: str
    source: Path
    deals: (
        pd.DataFrame
    )  # opp_id, opp_name, account_id, account_name, stage, amount, close, created, closed, category
    extract: pd.Timestamp


def _day(text: str) -> pd.Timestamp | None:
    """A day from each product's formats: 2026-03-31, 3/31/2026 (US), 2026-03-31 00:00,
    2025-03-04T17:22:05.000Z / +0000 (UTC)."""
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            value = dt.datetime.strptime(text.replace("Z", "+0000"), fmt)
        except ValueError:
            continue
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return pd.Timestamp(value.date())
    raise AssertionError(f"not a date the fixture should hold: {text!r}")


def _dates(days: pd.Series) -> pd.Series:
    return pd.to_datetime(days).astype("datetime64[ns]")


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _salesforce() -> Raw:
    rows = _rows(SF / "Opportunity.csv")
    deals = pd.DataFrame(
        {
            "opp_id": [r["Id"] for r in rows],
            "opp_name": [r["Name"].strip() for r in rows],
            "account_id": [r["AccountId"] or None for r in rows],
            "account_name": [r["Account.Name"].strip() or None for r in rows],
            "rep_id": [r["OwnerId"] for r in rows],
            "stage": [r["StageName"] for r in rows],
            "amount": [float(r["Amount"]) if r["Amount"] else None for r in rows],
            "close": [_day(r["CloseDate"]) for r in rows],
            "created": [_day(r["CreatedDate"]) for r in rows],
            "closed": [r["IsClosed"] == "true" for r in rows],
            "probability": [float(r["Probability"]) / 100 for r in rows],
            "category": [CATEGORIES[r["ForecastCategoryName"]] for r in rows],
        }
    )
    return Raw("salesforce", SF, deals, pd.Timestamp("2026-05-14"))


def _hubspot() -> Raw:
    rows = _rows(HS_FILE)
    deals = pd.DataFrame(
        {
            "opp_id": [r["Record ID"] for r in rows],
            "opp_name": [r["Deal Name"].strip() for r in rows],
            "account_id": [r["Associated Company"].strip() or None for r in rows],
            "account_name": [r["Associated Company"].strip() or None for r in rows],
            "rep_id": [r["Deal owner"] for r in rows],
            "stage": [r["Deal Stage"] for r in rows],
            "amount": [float(r["Amount"]) if r["Amount"] else None for r in rows],
            "close": [_day(r["Close Date"]) for r in rows],
            "created": [_day(r["Create Date"]) for r in rows],
            "closed": [r["Deal Stage"] in ("Closed Won", "Closed Lost") for r in rows],
            "probability": [float(r["Deal probability"]) for r in rows],
            "category": [CATEGORIES[r["Forecast category"]] for r in rows],
        }
    )
    return Raw("hubspot", HS, deals, pd.Timestamp("2026-05-20"))


RAW = {"salesforce": _salesforce, "hubspot": _hubspot}


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def export(request) -> tuple[Raw, object]:
    raw = RAW[request.param]()
    return raw, load_dataset(raw.source, preset=raw.preset)


def _open_raw(raw: Raw) -> pd.DataFrame:
    return raw.deals[~raw.deals["closed"]].set_index("opp_id")


def _warning(data, column: str, words: str) -> pd.Series:
    w = data.warnings
    found = w[(w["column"] == column) & w["message"].str.contains(words, regex=False)]
    assert len(found) == 1, (column, words, w.to_dict("records"))
    return found.iloc[0]


def _count(message: str) -> int:
    return int(re.match(r"([\d,]+) ", message).group(1).replace(",", ""))


def test_fixture_loads_and_shows_its_fields(export):
    """Every open deal on the extract date shows the export's name, account, stage, close
    date and forecast category; the extract date is the data's last date."""
    raw, data = export
    assert data.last_date == raw.extract
    od = timeline.open_deals(data, data.last_date).set_index("opp_id")
    want = _open_raw(raw)
    assert sorted(od.index) == sorted(want.index)
    want = want.loc[od.index]
    assert od["opp_name"].notna().all() and od["stage"].notna().all()
    assert od["forecast_category"].notna().all()
    assert od["opp_name"].tolist() == want["opp_name"].tolist()
    assert od["stage"].tolist() == want["stage"].tolist()
    assert od["forecast_category"].tolist() == want["category"].tolist()
    pd.testing.assert_series_equal(
        od["close_date"], _dates(want["close"]).rename("close_date"), check_freq=False
    )
    assert od["close_date"].isna().sum() == 1  # the one left blank in the export
    # the account name of each deal, through the accounts table (given or derived)
    assert data.accounts is not None
    names = od["account_id"].map(data.accounts.set_index("account_id")["account_name"])
    assert names.where(names.notna(), None).tolist() == want["account_name"].tolist()
    assert od["rep_id"].map(data.reps.set_index("rep_id")["rep_name"]).notna().all()


def test_every_deal_keeps_the_exports_values(export):
    raw, data = export
    o = data.opportunities.set_index("opp_id").loc[raw.deals["opp_id"]]
    want = raw.deals.set_index("opp_id")
    assert o["opp_name"].tolist() == want["opp_name"].tolist()
    assert o["is_closed"].astype(bool).tolist() == want["closed"].tolist()
    assert o["probability"].to_numpy() == pytest.approx(want["probability"].to_numpy())
    assert o["amount"].fillna(-1).tolist() == want["amount"].fillna(-1).tolist()
    assert (o["close_date"].fillna(pd.NaT) == _dates(want["close"])).sum() == want[
        "close"
    ].notna().sum()
    migrated = want["closed"] & (want["close"] < want["created"])
    kept = ~migrated & want["created"].notna()
    assert (o.loc[kept, "created_date"] == _dates(want.loc[kept, "created"])).all()
    assert o.loc[migrated, "created_date"].isna().all()  # the import's date left out


def test_script_in_a_deal_name_is_kept_as_text(export):
    raw, data = export
    name = '<script>alert("pipeline")</script> Q3 expansion'
    o = data.opportunities
    assert (o["opp_name"] == name).sum() == 1
    od = timeline.open_deals(data, data.last_date)
    assert (od["opp_name"] == name).sum() == 1
    assert o["opp_name"].str.contains("\n(second attempt)", regex=False).sum() == 1


def test_past_due_is_what_validate_warns_about(export):
    raw, data = export
    _, problems = validate(raw.source, preset=raw.preset)
    assert (problems["severity"] == "warning").all()
    warned = _warning(data, "close_date", "close date already past")
    due = timeline.past_due(data, as_of=data.last_date)
    want = _open_raw(raw)
    want = want[want["close"].notna() & (want["close"] < raw.extract)]
    assert sorted(due["opp_id"]) == sorted(want.index)
    assert _count(warned["message"]) == len(due) >= 5
    assert set(warned["ids"].split(", ")) <= set(due["opp_id"])


def test_blank_and_malformed_cells_are_warnings(export):
    raw, data = export
    d = raw.deals
    _, problems = validate(raw.source, preset=raw.preset)
    assert not (problems["severity"] == "error").any()
    cases = [
        ("amount", "without an amount", ~d["closed"] & d["amount"].isna()),
        ("close_date", "without an expected close date", ~d["closed"] & d["close"].isna()),
        ("created_date", "close before they were created", d["closed"] & (d["close"] < d["created"])),
        ("account_id", "blank account", d["account_id"].isna()),
        ("probability", "at odds with the stage", ~d["closed"] & (d["probability"] >= 1)),
    ]  # fmt: skip
    for column, words, rows in cases:
        warned = _warning(data, column, words)
        assert _count(warned["message"]) == int(rows.sum()) >= 1, column
        assert set(warned["ids"].split(", ")) <= set(d.loc[rows, "opp_id"]), column


def test_a_runs_snapshot_keeps_the_exports_fields(export, tmp_path):
    raw, data = export
    frozen = read_snapshot(write_snapshot(data, tmp_path / "snap"))
    before = timeline.open_deals(data, data.last_date)
    after = timeline.open_deals(frozen, frozen.last_date)
    cols = ["opp_id", "opp_name", "account_id", "rep_id", "stage", "close_date", "forecast_category", "amount"]  # fmt: skip
    pd.testing.assert_frame_equal(before[cols], after[cols])
    pd.testing.assert_frame_equal(data.accounts, frozen.accounts)
    assert [s.name for s in frozen.stages] == [s.name for s in data.stages]
    pd.testing.assert_frame_equal(data.warnings, frozen.warnings)


def test_salesforce_users_and_stages():
    data = load_dataset(SF, preset="salesforce")
    users = _rows(SF / "User.csv")
    owners = {r["OwnerId"] for r in _rows(SF / "Opportunity.csv")}
    name_of = {u["Id"]: u["Name"] for u in users}
    want = {u["Id"]: name_of.get(u["ManagerId"]) for u in users if u["Id"] in owners}
    reps = data.reps.set_index("rep_id")
    assert sorted(reps.index) == sorted(want) and len(reps) == 13
    assert reps["manager"].to_dict() == want  # ManagerId named
    left_out = _warning(data, "rep_id", "own no opportunity")
    assert _count(left_out["message"]) == len(users) - len(want) == 5
    assert "Integration User" in left_out["ids"]
    assert [s.name for s in data.stages] == [
        "Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
        "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
        "Negotiation/Review", "Closed Won", "Closed Lost",
    ]  # fmt: skip
    assert [(s.closed, s.won) for s in data.stages[-2:]] == [(True, True), (True, False)]
    assert len(data.accounts) == len(_rows(SF / "Account.csv"))
    # the user who left (IsActive false) ends on the last day the export shows them at work
    deals = _salesforce().deals
    for u in users:
        if u["Id"] in owners:
            mine = deals[deals["rep_id"] == u["Id"]]
            last = max(mine["created"].max(), mine.loc[mine["closed"], "close"].max())
            end = reps.loc[u["Id"], "end_date"]
            assert (end == last) if u["IsActive"] == "false" else pd.isna(end), u["Name"]
    assert _warning(data, "end_date", "inactive user")["ids"] == "Ben Carter"


def test_hubspot_owners_and_companies_are_derived():
    data = load_dataset(HS, preset="hubspot")
    rows = _rows(HS_FILE)
    assert sorted(data.reps["rep_id"]) == sorted({r["Deal owner"] for r in rows})
    assert (data.reps["rep_name"] == data.reps["rep_id"]).all()
    companies = {r["Associated Company"].strip() for r in rows} - {""}
    assert sorted(data.accounts["account_id"]) == sorted(companies)
    assert (data.accounts["account_name"] == data.accounts["account_id"]).all()
    assert data.opportunities["opp_id"].str.fullmatch(r"\d{10}").all()  # ids stay text
    assert set(data.opportunities["forecast_category"]) == {
        "Pipeline", "Best Case", "Commit", "Closed", "Omitted"
    }  # fmt: skip


def test_fixtures_are_small_and_made_by_their_script(tmp_path):
    """The committed files are what the seeded generator writes, each folder under 300 KB."""
    spec = importlib.util.spec_from_file_location("make_exports", FIXTURES / "make_exports.py")
    assert spec is not None and spec.loader is not None
    make = importlib.util.module_from_spec(spec)
    sys.modules["make_exports"] = make  # dataclasses look their module up there
    try:
        spec.loader.exec_module(make)
    finally:
        del sys.modules["make_exports"]
    make.salesforce(tmp_path / "sf")
    make.hubspot(tmp_path / "hs")
    for made, committed in ((tmp_path / "sf", SF), (tmp_path / "hs", HS)):
        files = sorted(p.name for p in committed.glob("*.csv"))
        assert files == sorted(p.name for p in made.glob("*.csv"))
        for name in files:
            assert (made / name).read_bytes() == (committed / name).read_bytes(), name
        assert sum(p.stat().st_size for p in committed.iterdir()) < 300_000
        assert (committed / "README.md").is_file()
