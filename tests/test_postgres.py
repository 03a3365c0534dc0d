"""A real PostgreSQL server as the data source: same KPIs as the CSV files, push-down, the
quarterly run from the database, and the password in no output.

The tests start a throwaway cluster in a temporary folder (``initdb``/``pg_ctl``), as an
unprivileged user when they run as root (PostgreSQL refuses root), listening only on a Unix
socket in that folder, with password authentication.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.metrics import kpi_table

from .conftest import run_cli

PASSWORD = "s3cretPa55wordXyz7"
USER = "salesops"
TYPES = {
    "date": "date",
    "money": "double precision",
    "number": "double precision",
    "prob": "double precision",
    "bool": "boolean",
}


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    cands = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return cands[-1] if cands else None


def _as_server_user(cmd: list[str], cwd: str) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        import shlex

        line = " ".join(shlex.quote(c) for c in cmd)
        cmd = ["su", "nobody", "-s", "/bin/sh", "-c", line]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def pg_url():
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) are not installed; .ci/run installs them"
        )
    base = tempfile.mkdtemp(prefix="salesops-pg-", dir="/tmp")
    os.chmod(base, 0o755)
    pwfile = Path(base) / "pw"
    pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        import pwd

        nobody = pwd.getpwnam("nobody")
        os.chown(base, nobody.pw_uid, nobody.pw_gid)
        os.chown(pwfile, nobody.pw_uid, nobody.pw_gid)
    datadir = f"{base}/data"
    res = _as_server_user(
        [
            initdb,
            "-D",
            datadir,
            "-U",
            USER,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        base,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    res = _as_server_user(
        [
            pg_ctl,
            "-D",
            datadir,
            "-l",
            f"{base}/log",
            "-w",
            "-t",
            "60",
            "-o",
            f"-k {base} -c listen_addresses='' -p 54329",
            "start",
        ],
        base,
    )
    assert res.returncode == 0, (
        res.stderr[-2000:] + Path(f"{base}/log").read_text(errors="replace")[-2000:]
    )
    try:
        yield f"postgresql+psycopg://{USER}@/postgres?host={base}&port=54329", base
    finally:
        _as_server_user([pg_ctl, "-D", datadir, "-m", "immediate", "stop"], base)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def loaded_pg(pg_url, demo_dir):
    """The demo company's CSV files copied into typed PostgreSQL tables with COPY."""
    import psycopg

    from salesops_lib import schema

    url, base = pg_url
    with psycopg.connect(
        host=base, port=54329, user=USER, password=PASSWORD, dbname="postgres"
    ) as con:
        for table in schema.TABLES.values():
            path = demo_dir / f"{table.name}.csv"
            if not path.is_file():
                continue
            header = pd.read_csv(path, nrows=0).columns.tolist()
            kinds = {c.name: c.kind for c in table.columns}
            cols = ", ".join(f'"{h}" {TYPES.get(kinds.get(h, "text"), "text")}' for h in header)
            con.execute(f'drop table if exists "{table.name}"')
            con.execute(f'create table "{table.name}" ({cols})')
            with con.cursor().copy(
                f'copy "{table.name}" from stdin with (format csv, header true)'
            ) as cp:
                with open(path, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        cp.write(chunk)
        con.commit()
    return url, base


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
    url, base = loaded_pg
    monkeypatch.setenv("SALESOPS_DB_PASSWORD", PASSWORD)
    cfg = {"data": {"password": "${SALESOPS_DB_PASSWORD}"}}
    since = "2026-01-01"
    db = load_dataset(url, config=cfg, since=since)
    assert db.history["snapshot_date"].min() >= pd.Timestamp(since)
    assert db.activities["activity_date"].min() >= pd.Timestamp(since)
    # the server's own statistics: rows sent for history equal the rows in the window
    import psycopg

    with psycopg.connect(
        host=base, port=54329, user=USER, password=PASSWORD, dbname="postgres"
    ) as con:
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
    typed = url.replace(f"{USER}@", f"{USER}:{PASSWORD}@")
    res = run_cli("validate", typed)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert PASSWORD not in res.stdout + res.stderr
    res = run_cli("validate", url.replace(f"{USER}@", f"{USER}:wrong-{PASSWORD}@"))
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert PASSWORD not in res.stdout + res.stderr
