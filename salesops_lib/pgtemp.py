"""A throwaway PostgreSQL server in a temporary folder, for tests and benchmarks.

Starts ``initdb``/``pg_ctl`` from the machine's PostgreSQL install (on ``PATH`` or under
``/usr/lib/postgresql/*/bin``), as the unprivileged user ``nobody`` when running as root
(PostgreSQL refuses root), listening only on a Unix socket inside the folder, with password
(SCRAM) authentication. :func:`copy_folder` loads a folder of canonical CSV files into
typed tables with ``COPY``.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from salesops_lib import schema

SQL_TYPES = {
    "date": "date",
    "money": "double precision",
    "number": "double precision",
    "prob": "double precision",
    "bool": "boolean",
}
"""PostgreSQL type of each canonical column kind (others are text)."""


def server_binary(name: str) -> str | None:
    """Path of a PostgreSQL server program, or None when it is not installed.

    Looks on ``PATH`` first, then under ``/usr/lib/postgresql/*/bin`` (the highest version).

    Parameters
    ----------
    name
        The program, e.g. ``initdb`` or ``pg_ctl``.

    Returns
    -------
    str or None
    """
    found = shutil.which(name)
    if found:
        return found
    cands = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return cands[-1] if cands else None


@dataclass(frozen=True)
class TempServer:
    """Where a running throwaway server listens."""

    folder: str
    port: int
    user: str
    password: str

    @property
    def url(self) -> str:
        """SQLAlchemy URL without the password (pass it via config or environment)."""
        return f"postgresql+psycopg://{self.user}@/postgres?host={self.folder}&port={self.port}"

    def connect(self):  # type: ignore[no-untyped-def]
        """A psycopg connection as the server's superuser."""
        import psycopg

        return psycopg.connect(
            host=self.folder,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname="postgres",
        )


def _as_server_user(cmd: list[str], cwd: str) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["su", "nobody", "-s", "/bin/sh", "-c", " ".join(shlex.quote(c) for c in cmd)]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=180)


@contextmanager
def temp_server(
    *, password: str, user: str = "salesops", port: int = 54329, log_statements: bool = False
) -> Iterator[TempServer]:
    """Start a server in a fresh temporary folder; stop it and delete the folder afterwards.

    With ``log_statements`` every SQL statement goes to ``<folder>/log``.

    Parameters
    ----------
    password
        The superuser's password (SCRAM authentication; it is not stored in the folder).
    user
        The superuser's name.
    port
        The port number of the server's Unix socket (it listens on no TCP address).
    log_statements
        Log every SQL statement.

    Yields
    ------
    TempServer
        Where the running server listens.

    Raises
    ------
    FileNotFoundError
        When ``initdb`` or ``pg_ctl`` is not installed.
    RuntimeError
        When the server does not start (the message holds its log's end).

    Examples
    --------
    >>> with temp_server(password="secret") as server:  # doctest: +SKIP
    ...     copy_folder(server, Path("data/demo"))
    {'reps': 76, 'opportunities': 28304, ...}
    """
    initdb, pg_ctl = server_binary("initdb"), server_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise FileNotFoundError("PostgreSQL server programs initdb and pg_ctl are not installed")
    base = tempfile.mkdtemp(prefix="salesops-pg-", dir="/tmp")
    os.chmod(base, 0o755)
    pwfile = Path(base) / "pw"
    pwfile.write_text(password + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        import pwd

        nobody = pwd.getpwnam("nobody")
        os.chown(base, nobody.pw_uid, nobody.pw_gid)
        os.chown(pwfile, nobody.pw_uid, nobody.pw_gid)
    datadir = f"{base}/data"
    try:
        res = _as_server_user(
            [
                initdb,
                "-D",
                datadir,
                "-U",
                user,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            base,
        )
        if res.returncode != 0:
            raise RuntimeError(f"initdb failed: {res.stderr[-1500:]}")
        pwfile.unlink()
        opts = f"-k {base} -c listen_addresses='' -p {port} -c fsync=off -c synchronous_commit=off"
        if log_statements:
            opts += " -c log_statement=all"
        res = _as_server_user(
            [pg_ctl, "-D", datadir, "-l", f"{base}/log", "-w", "-t", "60", "-o", opts, "start"],
            base,
        )
        if res.returncode != 0:
            log = Path(f"{base}/log")
            raise RuntimeError(
                f"pg_ctl start failed: {res.stderr[-800:]} {log.read_text(errors='replace')[-800:] if log.is_file() else ''}"
            )
        yield TempServer(base, port, user, password)
    finally:
        if Path(datadir, "postmaster.pid").is_file():
            _as_server_user([pg_ctl, "-D", datadir, "-m", "immediate", "stop"], base)
        shutil.rmtree(base, ignore_errors=True)


def copy_folder(server: TempServer, folder: Path) -> dict[str, int]:
    """Load each canonical ``<table>.csv`` of ``folder`` into a typed table; rows per table.

    Each table is dropped and created again, with the file's header as its columns:
    dates as ``date``, money, numbers and probabilities as ``double precision``, flags as
    ``boolean``, everything else (ids, text, unknown columns) as ``text``.

    Parameters
    ----------
    server
        A running server (:func:`temp_server`).
    folder
        A folder of canonical CSV files, e.g. ``reps.csv`` and ``opportunities.csv``; tables
        without a file are skipped.

    Returns
    -------
    dict of str to int
        Rows loaded, by table name.
    """
    import pandas as pd

    rows = {}
    with server.connect() as con:
        for table in schema.TABLES.values():
            path = Path(folder) / f"{table.name}.csv"
            if not path.is_file():
                continue
            header = pd.read_csv(path, nrows=0).columns.tolist()
            kinds = {c.name: c.kind for c in table.columns}
            cols = ", ".join(f'"{h}" {SQL_TYPES.get(kinds.get(h, "text"), "text")}' for h in header)
            con.execute(f'drop table if exists "{table.name}"')
            con.execute(f'create table "{table.name}" ({cols})')
            with con.cursor().copy(
                f'copy "{table.name}" from stdin with (format csv, header true)'
            ) as cp:
                with open(path, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        cp.write(chunk)
            rows[table.name] = con.execute(f'select count(*) from "{table.name}"').fetchone()[0]
        con.commit()
    return rows
