"""Presets on fixtures with the exact column labels each product exports."""

from __future__ import annotations

import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis.kpis import kpi_table
from salesops_lib.errors import ConfigError

from .conftest import FIXTURES, MAVEN


def test_maven_2017q2_per_rep_matches_raw_csv(maven):
    """Won count, lost count, won amount and mean engage-to-close days, computed on the raw CSV."""
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv", dtype=str)
    raw["close_date"] = pd.to_datetime(raw["close_date"])
    raw["engage_date"] = pd.to_datetime(raw["engage_date"])
    raw["close_value"] = raw["close_value"].astype(float)
    q2 = raw[(raw["close_date"] >= "2017-04-01") & (raw["close_date"] <= "2017-06-30")]
    won = q2[q2["deal_stage"] == "Won"]
    lost = q2[q2["deal_stage"] == "Lost"]
    expected = pd.DataFrame(
        {
            "won": won.groupby("sales_agent").size(),
            "lost": lost.groupby("sales_agent").size(),
            "bookings": won.groupby("sales_agent")["close_value"].sum(),
            "avg_cycle_days": (won["close_date"] - won["engage_date"])
            .dt.days.groupby(won["sales_agent"])
            .mean(),
        }
    ).fillna({"won": 0, "lost": 0, "bookings": 0})
    got = kpi_table(maven, quarter="2017Q2", by="rep_id")
    got = got[(got["won"] + got["lost"]) > 0]
    assert sorted(got.index) == sorted(expected.index)
    exp = expected.loc[got.index]
    assert (got["won"] == exp["won"]).all()
    assert (got["lost"] == exp["lost"]).all()
    assert got["bookings"].to_numpy() == pytest.approx(exp["bookings"].to_numpy())
    assert got["avg_cycle_days"].to_numpy() == pytest.approx(exp["avg_cycle_days"].to_numpy())


def test_maven_mapping_details(maven):
    o = maven.opportunities
    assert "GTXPro" not in set(o["product"]) and "GTX Pro" in set(o["product"])
    assert len(o) == 8800 and len(maven.reps) == 35
    reps = maven.reps.set_index("rep_id")
    assert reps.loc["Moses Frase", "rep_name"] == "Moses Frase"
    assert reps.loc["Moses Frase", "team"] == reps.loc["Moses Frase", "manager"]
    assert set(reps["region"]) == {"Central", "East", "West"}
    # won amounts are Maven's close_value; 4,238 won deals totalling 10,005,534 (SOURCE.md profile)
    won = o[o["is_won"].astype(bool)]
    assert len(won) == 4238 and won["amount"].sum() == pytest.approx(10_005_534)
    assert o["is_closed"].astype(bool).sum() == 4238 + 2473
    assert maven.quotas is None and maven.history is None
    assert maven.latest_complete_quarter() == "2017Q4"


def test_salesforce_relationship_columns_without_ids():
    data = load_dataset(
        FIXTURES / "salesforce_names" / "opportunities_export.csv", preset="salesforce"
    )
    o = data.opportunities.set_index("opp_id")
    assert o.loc["0065g00000AbCdEAA1", "rep_id"] == "Maria Núñez"
    assert o.loc["0065g00000AbCdEAA2", "account_id"] == "Globex, Inc."
    assert o.loc["0065g00000AbCdEAA3", "created_date"] == pd.Timestamp("2026-02-04")  # -0800 -> UTC
    assert o.loc["0065g00000AbCdEAA3", "probability"] == pytest.approx(0.9)
    assert o.loc["0065g00000AbCdEAA3", "forecast_category"] == "Commit"
    assert o["is_won"].astype(bool).sum() == 2
    assert sorted(data.reps["rep_name"]) == ["Maria Núñez", "Tom O'Reilly"]
    assert [s.name for s in data.stages][-2:] == ["Closed Won", "Closed Lost"]
    assert data.stages[0].name == "Prospecting"


def test_salesforce_with_ids_and_user_account_exports():
    data = load_dataset(FIXTURES / "salesforce_ids", preset="salesforce")
    reps = data.reps.set_index("rep_id")
    assert reps.loc["0055g00000Usr001", "rep_name"] == "Maria Núñez"
    assert reps.loc["0055g00000Usr001", "manager"] == "Dana Scully"
    assert reps.loc["0055g00000Usr002", "team"] == "Enterprise East"
    assert (
        data.accounts is not None
        and data.accounts.set_index("account_id").loc["0015g00000Acc002", "account_name"]
        == "Globex, Inc."
    )
    assert data.opportunities["probability"].tolist() == pytest.approx([1.0, 0.0, 0.75, 0.6])
    assert not data.warnings["message"].str.contains("derived").any()


def test_hubspot_deals_export():
    data = load_dataset(FIXTURES / "hubspot", preset="hubspot")
    o = data.opportunities.set_index("opp_id")
    assert list(o.index) == ["9876543210", "9876543211", "9876543212", "9876543213"]
    assert o.loc["9876543211", "amount"] == 45000.0
    assert o.loc["9876543211", "stage"] == "Contract Sent" and not o.loc["9876543211", "is_closed"]
    assert (
        o.loc["9876543210", "is_won"]
        and o.loc["9876543213", "is_closed"]
        and not o.loc["9876543213", "is_won"]
    )
    assert o.loc["9876543210", "forecast_category"] == "Closed"
    assert o.loc["9876543213", "forecast_category"] == "Omitted"
    assert o.loc["9876543211", "probability"] == pytest.approx(0.9)
    assert o.loc["9876543210", "created_date"] == pd.Timestamp("2025-11-02")
    assert sorted(data.reps["rep_id"]) == ["Jordan Lee", "Sam Rivera"]


def test_unknown_preset():
    with pytest.raises(ConfigError, match="unknown preset"):
        load_dataset(FIXTURES / "hubspot", preset="pipedrive")


def test_salesforce_export_without_an_account_file_derives_accounts():
    """A report export names each deal's account (Account.Name): the accounts table is
    derived from it, as reps are from the owners, so deal tables can show the names."""
    data = load_dataset(
        FIXTURES / "salesforce_names" / "opportunities_export.csv", preset="salesforce"
    )
    assert data.accounts is not None
    accounts = data.accounts.set_index("account_id")["account_name"]
    assert sorted(accounts.index) == sorted(
        ["Acme Corp", "Globex, Inc.", "Initech", "Umbrella", "Stark Industries"]
    )
    assert (accounts.index == accounts.to_numpy()).all()


def test_hubspot_companies_derived_from_associated_company():
    data = load_dataset(FIXTURES / "hubspot", preset="hubspot")
    assert data.accounts is not None
    assert sorted(data.accounts["account_name"]) == ["Acme Corp", "Globex, Inc.", "Hooli"]
    assert data.warnings["message"].str.contains("blank account").any()  # Initech upsell's


def test_hubspot_export_named_with_its_date_is_found(tmp_path):
    """HubSpot names the file it sends hubspot-crm-exports-all-deals-<date>.csv: the folder
    loads without renaming, and of two exports the newer one is read."""
    src = (FIXTURES / "hubspot" / "hubspot-crm-exports-all-deals.csv").read_text(encoding="utf-8")
    older = "\n".join(src.splitlines()[:3]) + "\n"
    (tmp_path / "hubspot-crm-exports-all-deals-2026-04-30.csv").write_text(older, encoding="utf-8")
    (tmp_path / "hubspot-crm-exports-all-deals-2026-05-20 (1).csv").write_text(
        src, encoding="utf-8"
    )
    data = load_dataset(tmp_path, preset="hubspot")
    assert len(data.opportunities) == 4


def test_salesforce_user_export_keeps_deal_owners_and_names_managers(tmp_path):
    users = (
        "Id,Name,ManagerId,Department,IsActive\n"
        "u1,Maria Núñez,m1,East,true\nu2,Tom O'Reilly,m1,East,true\n"
        "m1,Dana Scully,,East,true\nbot,Integration User,,,true\n"
    )
    opps = (FIXTURES / "salesforce_ids" / "Opportunity.csv").read_text(encoding="utf-8")
    opps = opps.replace("0055g00000Usr001", "u1").replace("0055g00000Usr002", "u2")
    (tmp_path / "User.csv").write_text(users, encoding="utf-8")
    (tmp_path / "Opportunity.csv").write_text(opps, encoding="utf-8")
    data = load_dataset(tmp_path, preset="salesforce")
    reps = data.reps.set_index("rep_id")
    assert sorted(reps.index) == ["u1", "u2"]
    assert set(reps["manager"]) == {"Dana Scully"}
    w = data.warnings[data.warnings["table"] == "reps"].iloc[0]
    assert w["ids"] == "Dana Scully, Integration User" and w["message"].startswith("2 users")


# ---------------------------------------------------------------------------------------
# owner history: Salesforce's OpportunityFieldHistory, HubSpot's owner assigned date


def _owner_on(data, opp_id: str, day: str) -> tuple[str, bool]:
    from salesops_lib import timeline

    rows = data.opportunities.index[data.opportunities["opp_id"] == opp_id].to_numpy()
    o = timeline.owners_on(data, day, rows=rows)
    return str(o["rep_id"].iloc[0]), bool(o["owner_known"].iloc[0])


def test_salesforce_field_history_gives_the_previous_owner_and_the_day():
    folder = FIXTURES / "salesforce_export"
    data = load_dataset(folder, preset="salesforce")
    # by pandas on the raw log: the Owner rows with ids, one per deal
    log = pd.read_csv(folder / "OpportunityFieldHistory.csv", dtype=str)
    every = log[(log["Field"] == "Owner") & (log["DataType"] == "EntityId")]
    assert len(every) == 7  # Ben's five deals, and one deal moved twice
    assert len(data.owner_changes) == 7
    moves = every.sort_values("CreatedDate").drop_duplicates("OpportunityId", keep="last")
    assert len(moves) == 6
    raw = pd.read_csv(folder / "Opportunity.csv", dtype=str).set_index("Id")
    assert (raw.loc[moves["OpportunityId"], "OwnerId"].to_numpy() == moves["NewValue"]).all()
    o = data.opportunities.set_index("opp_id")
    got = o[o["previous_rep_id"].notna()]
    assert set(got.index) == set(moves["OpportunityId"])
    assert o["reassigned_date"].notna().sum() == 6  # the Amount rows change no owner
    for _, m in moves.iterrows():
        assert got.loc[m["OpportunityId"], "previous_rep_id"] == m["OldValue"]
        assert got.loc[m["OpportunityId"], "reassigned_date"] == pd.Timestamp(m["CreatedDate"][:10])
    # owners_on: the leaver the day before the hand-over, the current owner from that day
    m = moves.iloc[0]
    day = pd.Timestamp(m["CreatedDate"][:10])
    before = (day - pd.Timedelta(days=1)).date().isoformat()
    assert _owner_on(data, m["OpportunityId"], before) == (m["OldValue"], True)
    assert _owner_on(data, m["OpportunityId"], day.date().isoformat()) == (m["NewValue"], True)
    leaver = data.reps.set_index("rep_id").loc[m["OldValue"]]
    assert leaver["rep_name"] == "Ben Carter"
    assert not any("previous" in str(w) for w in data.warnings["message"])


def test_hubspot_owner_assigned_date_is_a_reassignment_only_after_creation():
    folder = FIXTURES / "hubspot_export"
    data = load_dataset(folder, preset="hubspot")
    raw = pd.read_csv(
        next(folder.glob("hubspot-crm-exports-all-deals-*.csv")), dtype=str, encoding="utf-8-sig"
    )
    assigned = pd.to_datetime(raw["Owner assigned date"]).dt.normalize()
    created = pd.to_datetime(raw["Create Date"]).dt.normalize()
    moved = raw[(assigned > created) | raw["Previous owner"].notna()]
    assert len(moved) == 4 and (raw["Owner assigned date"].notna()).all()
    o = data.opportunities.set_index("opp_id")
    assert set(o.index[o["reassigned_date"].notna()]) == set(moved["Record ID"])
    assert set(o.index[o["previous_rep_id"].notna()]) == set(moved["Record ID"])
    for _, m in moved.iterrows():
        day = pd.Timestamp(m["Owner assigned date"]).normalize()
        assert o.loc[m["Record ID"], "reassigned_date"] == day
        before = (day - pd.Timedelta(days=1)).date().isoformat()
        assert _owner_on(data, m["Record ID"], before) == (m["Previous owner"], True)
        assert _owner_on(data, m["Record ID"], day.date().isoformat()) == (m["Deal owner"], True)
    assert set(moved["Previous owner"]) == {"Liam O'Sullivan"}


def test_salesforce_owner_change_of_another_owner_is_not_used_and_said():
    from salesops_lib.data.presets import owner_names_as_ids, with_owner_changes

    opps = pd.DataFrame({"opp_id": ["o1", "o2", "o3"], "rep_id": ["005B", "005C", "005B"]})
    log = pd.DataFrame(
        {
            "opp_id": ["o1", "o2", "o3", "o3"],
            "changed_date": ["2025-07-01T09:00:00.000Z"] * 2
            + ["2025-01-01T09:00:00.000Z", "2025-01-01T11:30:00.000+0000"],
            "field": ["Owner", "Owner", "Owner", "Owner"],
            "old_value": ["005A", "005A", "005A", "005D"],
            "new_value": ["005B", "005B", "005D", "005B"],
        }
    )
    # o3 changed twice on one day: 005A -> 005D -> 005B, the last row of the day counts
    out, warns = with_owner_changes(opps, log, None)
    assert out.loc[0, "previous_rep_id"] == "005A" and pd.isna(out.loc[1, "previous_rep_id"])
    assert out.loc[0, "reassigned_date"] == "2025-07-01" and pd.isna(out.loc[1, "reassigned_date"])
    assert out.loc[2, "previous_rep_id"] == "005D"
    assert warns[0]["ids"] == "o2" and "another owner" in warns[0]["message"]
    # given columns win over the log
    given = opps.assign(
        previous_rep_id=["005Z", None, None], reassigned_date=["2025-02-02", None, None]
    )
    kept, _ = with_owner_changes(given, log, None)
    assert kept.loc[0, ["previous_rep_id", "reassigned_date"]].tolist() == ["005Z", "2025-02-02"]
    reps = pd.DataFrame({"rep_id": ["005A", "005B"], "rep_name": ["Ben", "Ann"]})
    named = owner_names_as_ids(pd.DataFrame({"previous_rep_id": ["Ben", "Nobody"]}), reps)
    assert named["previous_rep_id"].tolist() == ["005A", "Nobody"]


def test_export_fixtures_inherited_deals_are_the_reassigned_ones():
    """HubSpot fills Owner assigned date on every deal: only real hand-overs may count as
    inherited (ramp, first deal, comp), never every deal of the export."""
    from salesops_lib import timeline

    for folder, preset, n in (
        ("salesforce_export", "salesforce", 6),
        ("hubspot_export", "hubspot", 4),
    ):
        data = load_dataset(FIXTURES / folder, preset=preset)
        inh = timeline.inherited_deals(data)
        moved = data.opportunities["reassigned_date"].notna().to_numpy()
        assert moved.sum() == n
        assert (inh["inherited"].to_numpy() >= moved).all()  # every hand-over is inherited
        before_hire = inh["inherited"].to_numpy() & ~moved
        if "hire_date" in data.reps:
            hires = data.reps.set_index("rep_id")["hire_date"]
            o = data.opportunities
            created_before = (o["created_date"] < o["rep_id"].map(hires)).fillna(False).to_numpy()
            assert (before_hire == (created_before & ~moved)).all()
        assert inh["inherited"].sum() < len(inh) / 10


def test_a_leaver_whose_deals_were_all_handed_on_stays_a_rep_with_an_end_date():
    from salesops_lib.data.presets import SALESFORCE

    users = pd.DataFrame(
        {
            "rep_id": ["u1", "u2", "adm"],
            "rep_name": ["Ben", "Ann", "Admin"],
            "isactive": ["false", "true", "true"],
        }
    )
    opps = pd.DataFrame(
        {
            "opp_id": ["o1", "o2"],
            "rep_id": ["u2", "u2"],
            "created_date": ["2025-03-01T10:00:00.000Z", "2025-08-01T10:00:00.000Z"],
            "close_date": ["2025-09-30", "2025-10-30"],
            "is_closed": ["false", "false"],
        }
    )
    log = pd.DataFrame(
        {
            "opp_id": ["o1"],
            "changed_date": ["2025-07-01T09:14:22.000+0000"],
            "field": ["Owner"],
            "data_type": ["EntityId"],
            "old_value": ["u1"],
            "new_value": ["u2"],
        }
    )
    assert SALESFORCE.transform is not None
    tables, warns = SALESFORCE.transform(
        {"opportunities": opps, "reps": users, "owner_changes": log}
    )
    # the field history becomes the owner_changes table: every change, one row each
    assert tables["owner_changes"].values.tolist() == [["o1", "2025-07-01", "u1", "u2"]]
    reps = tables["reps"].set_index("rep_id")
    assert sorted(reps.index) == ["u1", "u2"]  # Ben owns no deal now but had o1: a rep
    assert reps.loc["u1", "end_date"] == pd.Timestamp("2025-06-30")  # held o1 until then
    assert tables["opportunities"]["previous_rep_id"].tolist()[0] == "u1"
    assert [w["ids"] for w in warns] == ["Admin", "Ben"]


def test_hubspot_owners_archived_have_left_on_the_last_day_of_their_deals(tmp_path):
    """HubSpot's owners (the owners API with archived ones) carry ``archived`` and no date:
    an archived owner has left, on the last day the deals show them (said in a warning)."""
    import shutil

    folder = tmp_path / "hs"
    folder.mkdir()
    src = next((FIXTURES / "hubspot_export").glob("*.csv"))
    shutil.copy(src, folder / src.name)
    raw = pd.read_csv(src, dtype=str, encoding="utf-8-sig")
    owners = sorted(set(raw["Deal owner"]) | set(raw["Previous owner"].dropna()))
    gone = "Liam O'Sullivan"
    assert gone in owners
    lines = ["id,email,firstName,lastName,archived"]
    for i, name in enumerate(owners):
        first, last = name.split(" ", 1)
        lines.append(f'{100 + i},x{i}@example.com,{first},"{last}",{str(name == gone).lower()}')
    (folder / "owners.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = load_dataset(folder, preset="hubspot")
    reps = data.reps.set_index("rep_id")
    assert set(owners) <= set(reps.index)
    # by pandas on the raw export: the latest of his deals' created and closed dates, and
    # the day before his deals were handed on
    mine = raw[raw["Deal owner"] == gone]
    closed = mine["Deal Stage"].str.startswith("Closed")
    days = pd.concat(
        [
            pd.to_datetime(mine["Create Date"]).dt.normalize(),
            pd.to_datetime(mine.loc[closed, "Close Date"]).dt.normalize(),
            pd.to_datetime(raw.loc[raw["Previous owner"] == gone, "Owner assigned date"])
            .dt.normalize()
            .sub(pd.Timedelta(days=1)),
        ]
    )
    assert reps.loc[gone, "end_date"] == days.max()
    assert reps.drop(index=gone)["end_date"].isna().all()
    w = data.warnings[data.warnings["column"] == "end_date"].iloc[0]
    assert w["ids"] == gone and "no leaving date" in w["message"]


def test_salesforce_users_created_date_is_the_hire_date_without_a_hire_date_field():
    from salesops_lib.data.presets import user_created_as_hired
    from salesops_lib.reports import rep_benchmarking as rb
    from salesops_lib.reports.base import hired_when_user_created

    data = load_dataset(FIXTURES / "salesforce_export", preset="salesforce")
    raw = pd.read_csv(FIXTURES / "salesforce_export" / "User.csv", dtype=str).set_index("Id")
    hired = data.reps.set_index("rep_id")["hire_date"]
    assert hired.notna().all()
    assert (hired.dt.strftime("%Y-%m-%d") == raw.loc[hired.index, "CreatedDate"].str[:10]).all()
    kwame = data.reps.set_index("rep_name").loc["Kwame Mensah", "hire_date"]
    assert kwame == pd.Timestamp("2025-10-06")  # the fixture's README: one rep hired Oct 2025
    said = data.warnings["message"].astype(str)
    assert said.str.startswith("no hire-date column: the day each rep's user was created").any()
    assert hired_when_user_created(data)
    # a hire-date field of the org's own wins; without a created date nothing changes
    users = pd.DataFrame(
        {"rep_id": ["u1"], "hire_date": ["2024-01-02"], "createddate": ["2020-01-01"]}
    )
    kept, warned = user_created_as_hired(users)
    assert kept is users and warned == []
    bare = pd.DataFrame({"rep_id": ["u1"]})
    assert user_created_as_hired(bare)[0] is bare
    # report 02: Kwame ramps (tenure under six months) and the definition says where hire dates come from
    r = rb.build(data, quarter="2026Q1")
    assert "User.CreatedDate" in r.definitions["Tenure (months)"]
    assert not any(g.missing == "hire dates" for g in r.gaps)
    assert r.new_hires is not None and "Kwame Mensah" in set(r.new_hires.frame["rep_name"])
