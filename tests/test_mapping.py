"""Column mapping: the config's entries (pairs, one column to several, constants, defaults)
and SQL queries over a folder's files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesops_lib import SalesOpsDataError, load_dataset
from salesops_lib.data.mapping import column_pairs, map_columns, user_mapping, with_default
from salesops_lib.errors import ConfigError

LEADS = "mql_id,first_contact_date,origin\nm1,2026-01-05,paid\nm2,2026-01-10,organic\nm3,2026-02-01,email\n"
DEALS = (
    "mql_id,sr_id,won_date,declared_monthly_revenue\nm1,s1,2026-02-01,1000\nm3,,2026-03-01,250\n"
)


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_user_mapping_reads_every_form():
    m = user_mapping(
        "opportunities",
        {
            "Deal Ref": "opp_id",
            "order_date": ["created_date", "close_date"],
            "stage": {"value": "Closed Won"},
            "rep_id": {"column": "Owner", "default": "Unassigned"},
            "amount": {"default": 0},
        },
    )
    assert m.pairs == (
        ("Deal Ref", "opp_id"),
        ("order_date", "created_date"),
        ("order_date", "close_date"),
        ("Owner", "rep_id"),
    )
    assert m.constants == {"stage": "Closed Won"}
    assert m.defaults == {"rep_id": "Unassigned", "amount": 0}


@pytest.mark.parametrize(
    "spec",
    [{"stage": {"value": "Won", "default": "x"}}, {"stage": {"colum": "x"}}, {"x": 3}, {"x": []}],
)
def test_user_mapping_refuses_other_forms_naming_the_table(spec):
    with pytest.raises(ConfigError, match=r"\[data.columns.opportunities\]"):
        user_mapping("opportunities", spec)


def test_one_column_feeds_several_fields_and_a_constant_wins_over_a_source_column():
    raw = pd.DataFrame({"order_date": ["2026-01-05"], "stage": ["Delivered"], "id": ["A"]})
    user = {"order_date": ["created_date", "close_date"], "stage": {"value": "Closed Won"}}
    assert ("stage", "stage") not in column_pairs("opportunities", list(raw), None, user)
    out = map_columns("opportunities", raw, None, user)
    assert out["created_date"].tolist() == out["close_date"].tolist() == ["2026-01-05"]
    assert out["stage"].tolist() == ["Closed Won"]


@pytest.mark.parametrize(
    ("column", "default", "expected"),
    [
        (pd.Series(["Ann", None, "  "]), "Unassigned", ["Ann", "Unassigned", "Unassigned"]),
        (pd.Series([1.0, None]), 0, [1.0, 0.0]),
        (pd.Series(["a", None], dtype="category"), "z", ["a", "z"]),
        (None, "Unassigned", ["Unassigned", "Unassigned"]),
    ],
)
def test_a_default_fills_blank_cells(column, default, expected):
    index = pd.RangeIndex(2 if column is None else len(column))
    assert with_default(column, default, index).tolist() == expected


def test_sql_over_files_joins_leads_and_deals_with_constants_defaults_and_rules(tmp_path):
    folder = _folder(tmp_path, **{"leads.csv": LEADS, "deals.csv": DEALS})
    query = """
        select l.mql_id as opp_id, d.sr_id as owner, l.first_contact_date as created_date,
               coalesce(d.won_date, l.first_contact_date + interval 30 day) as close_date,
               d.mql_id is not null as is_won, true as is_closed,
               coalesce(d.declared_monthly_revenue, 0) as amount,
               case when d.mql_id is null then 'Lost' else 'Won' end as stage
        from read_csv('leads.csv') l left join read_csv('deals.csv') d using (mql_id)
        order by opp_id
    """
    cfg = {
        "data": {
            "tables": {"opportunities": query},
            "columns": {"opportunities": {"rep_id": {"column": "owner", "default": "Unassigned"}}},
        },
        "stages": [
            {"name": "Won", "closed": True, "won": True},
            {"name": "Lost", "closed": True, "won": False},
        ],
    }
    data = load_dataset(folder, config=cfg)
    o = data.opportunities
    # computed by hand from LEADS and DEALS
    assert o["opp_id"].tolist() == ["m1", "m2", "m3"]
    assert o["rep_id"].tolist() == ["s1", "Unassigned", "Unassigned"]
    assert o["is_won"].tolist() == [True, False, True]
    assert o["amount"].tolist() == [1000.0, 0.0, 250.0]
    assert (
        o["close_date"].tolist()
        == pd.to_datetime(["2026-02-01", "2026-02-09", "2026-03-01"]).tolist()
    )
    assert sorted(data.reps["rep_id"]) == ["Unassigned", "s1"]


def test_order_lines_are_summed_into_orders(tmp_path):
    lines = (
        "order_id,order_date,seller,price,qty\n"
        "A,2026-01-05,s1,10.5,2\nA,2026-01-05,s1,4,1\nB,2026-02-01,s2,100,3\n"
    )
    folder = _folder(tmp_path, **{"lines.csv": lines})
    cfg = {
        "data": {
            "tables": {
                "opportunities": "select order_id, any_value(order_date) as order_date, "
                "any_value(seller) as seller, sum(price * qty) as amount "
                "from read_csv('lines.csv') group by order_id order by order_id"
            },
            "columns": {
                "opportunities": {
                    "order_id": "opp_id",
                    "seller": "rep_id",
                    "order_date": ["created_date", "close_date"],
                    "stage": {"value": "Closed Won"},
                }
            },
        }
    }
    o = load_dataset(folder, config=cfg, preset="salesforce").opportunities
    assert o["amount"].tolist() == [25.0, 300.0]  # 10.5*2 + 4, 100*3
    assert o["stage"].tolist() == ["Closed Won", "Closed Won"]
    assert o["is_won"].tolist() == [True, True]
    assert (o["created_date"] == o["close_date"]).all()


def test_a_failing_query_names_the_table_and_shows_duckdbs_message(tmp_path):
    folder = _folder(tmp_path, **{"leads.csv": LEADS})
    cfg = {"data": {"tables": {"opportunities": "select nope from read_csv('leads.csv')"}}}
    with pytest.raises(SalesOpsDataError) as err:
        load_dataset(folder, config=cfg)
    msg = str(err.value)
    assert msg.startswith("[data.tables] opportunities: DuckDB could not run the query")
    assert 'Referenced column "nope" not found' in msg
    cfg = {"data": {"tables": {"opportunities": "select * from read_csv('missing.csv')"}}}
    with pytest.raises(SalesOpsDataError, match=r"opportunities: .*No files found.*missing.csv"):
        load_dataset(folder, config=cfg)


def test_validate_prints_the_mapping_and_every_unmapped_column(tmp_path, capsys):
    from salesops_lib.run.cli import main

    extra = [f"Custom Field {i}" for i in range(30)]
    header = "Deal Ref,Owner,stage,amount,created_date,close_date," + ",".join(extra)
    row = "o1,Ann,Closed Won,10,2026-01-05,2026-02-01," + ",".join("x" * 30)
    folder = _folder(tmp_path, **{"opportunities.csv": f"{header}\n{row}\n"})
    (folder / "salesops.toml").write_text(
        '[data.columns.opportunities]\n"Deal Ref" = "opp_id"\n'
        '"Owner" = ["rep_id", "rep_name"]\nlead_source = {value = "Web"}\n',
        encoding="utf-8",
    )
    assert main(["validate", str(folder), "--preset", "salesforce"]) == 0
    out = capsys.readouterr().out
    assert f"config: {folder / 'salesops.toml'}" in out
    assert "  opp_id             <- 'Deal Ref' (config)" in out
    assert "  rep_id             <- 'Owner' (config)" in out
    assert "  rep_name           <- 'Owner' (config)" in out
    assert "  lead_source        <- = 'Web' (constant)" in out
    assert "  close_date         <- 'close_date' (name)" in out
    unmapped = next(line for line in out.splitlines() if "not mapped" in line)
    assert unmapped.count("'Custom Field") == 30  # none cut off
