"""Loading from PostgreSQL against loading from Parquet, the same company.

Starts a throwaway PostgreSQL server (:mod:`salesops_lib.pgtemp`), copies the demo company
into typed tables, then times :func:`salesops_lib.load_dataset` from the database (all
history, and only the last four quarters' snapshots pushed down with ``since``) against
the same tables written as Parquet files. Prints the times and ratios.

    python benchmarks/postgres_load.py [--large]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import ROOT, large_demo

from salesops_lib import load_dataset, pgtemp

PASSWORD = "bench-password"


def timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--large", action="store_true", help="the large demo company (CSV copy)")
    args = ap.parse_args()
    folder = large_demo("csv") if args.large else ROOT / "data" / "demo"
    os.environ["SALESOPS_DB_PASSWORD"] = PASSWORD
    cfg = {"data": {"password": "${SALESOPS_DB_PASSWORD}"}}
    with pgtemp.temp_server(password=PASSWORD) as server:
        t_copy, rows = timed(lambda: pgtemp.copy_folder(server, folder))
        print(
            f"copied into PostgreSQL in {t_copy:.1f} s: "
            + ", ".join(f"{k} {v:,}" for k, v in rows.items())
        )
        t_pg, data = timed(lambda: load_dataset(server.url, config=cfg))
        last = data.latest_complete_quarter()
        since = data.calendar.bounds(data.calendar.shift(last, -3))[0]
        t_win, windowed = timed(lambda: load_dataset(server.url, config=cfg, since=since))
        parquet = Path(tempfile.mkdtemp(prefix="bench-pq-"))
        for name, frame in data.tables.items():
            frame.to_parquet(parquet / f"{name}.parquet", index=False)
        t_pq, _ = timed(lambda: load_dataset(parquet))
    print(f"load_dataset from Parquet:                         {t_pq:7.1f} s")
    print(
        f"load_dataset from PostgreSQL, all history:         {t_pg:7.1f} s  ({t_pg / t_pq:.2f}x Parquet)"
    )
    print(
        f"load_dataset from PostgreSQL, history since {since:%Y-%m-%d}: {t_win:7.1f} s  ({t_win / t_pq:.2f}x Parquet; "
        f"{len(windowed.history):,} of {len(data.history):,} snapshot rows left the database)"
    )


if __name__ == "__main__":
    main()
