"""A real PostgreSQL server as the data source: same KPIs as the CSV files, push-down, the
quarterly run from the database, and the password in no output.

The tests start a throwaway cluster in a temporary folder (``initdb``/``pg_ctl``), as an
unprivileged user when they run as root (PostgreSQL refuses root), listening only on a Unix
socket in that folder, with password authentication.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from salesops_lib import load_dataset, pgtemp
from salesops_lib.analysis.kpis import kpi_table

from .conftest import run_cli

PASSWORD = "s3cretPa55wordXyz7"


@pytest.fixture(scope="module")
def server():
    try:
        with pgtemp.temp_server(password=PASSWORD, log_statements=True) as srv:
            yield srv
    except FileNotFoundError as exc:
        pytest.skip(f"{exc}; .ci/run installs them")


@pytest.fixture(scope="module")
def loaded_pg(server, demo_dir):
    """The demo company's CSV files copied into typed PostgreSQL tables."""
    pgtemp.copy_folder(server, demo_dir)
    return server.url, server


def test_same_kpis_from_postgres_as_from_csv(loaded_pg, demo_dir, demo, monkeypatch):
    url, _ = loaded_pg
    monkeypatch.setenv("SALESOPS_DB_PASSWORD", PASSWORD)
    db = load_dataset(url, config={"data": {"password": "${SALESOPS_DB_PASSWORD}"}})
    assert len(db.opportunities) == len(demo.opportunities)
    assert db.opportunities["close_date"].dtype == "datetime64[ns]"
    assert db.opportunities["amount"].dtype == "float64"
    for q in ("2026Q3", "2025Q4"):
        a = kpi_table(db, quarter=q, by="team")
        b = kpi_table(demo, quarter=q, by="team")
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)


def test_history_window_is_pushed_down(loaded_pg, monkeypatch):
    url, server = loaded_pg
    monkeypatch.setenv("SALESOPS_DB_PASSWORD", PASSWORD)
    cfg = {"data": {"password": "${SALESOPS_DB_PASSWORD}"}}
    since = "2026-01-01"
    log_path = Path(server.folder) / "log"
    logged_before = len(log_path.read_bytes())
    db = load_dataset(url, config=cfg, since=since)
    assert db.history["snapshot_date"].min() >= pd.Timestamp(since)
    assert db.activities["activity_date"].min() >= pd.Timestamp(since)
    # the server's statement log shows the condition in the query itself
    log = log_path.read_bytes()[logged_before:].decode("utf-8", errors="replace")
    statements = re.split(r"\n(?=\S)", log)  # an entry's continuation lines start with a tab
    history_selects = [st for st in statements if re.search(r"FROM history\b", st)]
    assert history_selects and all("history.snapshot_date >=" in st for st in history_selects), (
        history_selects
    )
    with server.connect() as con:
        inside = con.execute(
            "select count(*) from history where snapshot_date >= %s", [since]
        ).fetchone()[0]
    assert len(db.history) == inside
    full = load_dataset(url, config=cfg)
    assert len(full.history) > len(db.history)


def test_quarterly_run_from_postgres_never_shows_the_password(loaded_pg, demo_dir, tmp_path):
    url, _ = loaded_pg
    cfg = tmp_path / "salesops.toml"
    cfg.write_text(
        (demo_dir / "salesops.toml")
        .read_text(encoding="utf-8")
        .replace("[data]", '[data]\npassword = "${SALESOPS_DB_PASSWORD}"', 1)
        if "[data]" in (demo_dir / "salesops.toml").read_text(encoding="utf-8")
        else (demo_dir / "salesops.toml").read_text(encoding="utf-8")
        + '\n[data]\npassword = "${SALESOPS_DB_PASSWORD}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    env = {"SALESOPS_DB_PASSWORD": PASSWORD}
    res = run_cli(
        "report",
        "--data",
        url,
        "--config",
        str(cfg),
        "--quarter",
        "2026Q3",
        "--out",
        str(out),
        "--only",
        "01_team_visibility",
        "--quiet",
        env=env,
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    run = out / "2026Q3"
    assert (run / "01_team_visibility.html").is_file()
    texts = [res.stdout, res.stderr]
    for p in run.rglob("*"):
        if p.is_file() and p.suffix in (
            ".html",
            ".json",
            ".log",
            ".ipynb",
            ".csv",
            ".txt",
            ".toml",
        ):
            texts.append(p.read_text(encoding="utf-8", errors="replace"))
    assert not any(PASSWORD in t for t in texts)
    # a password typed into the URL is used but never written anywhere either
    typed = url.replace("salesops@", f"salesops:{PASSWORD}@")
    res = run_cli("validate", typed)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert PASSWORD not in res.stdout + res.stderr
    res = run_cli("validate", url.replace("salesops@", f"salesops:wrong-{PASSWORD}@"))
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert PASSWORD not in res.stdout + res.stderr
