"""Snapshot I/O: validated data frozen to Parquet files, and read back without re-validation.

A snapshot folder holds one ``<table>.parquet`` per table present, ``warnings.parquet`` and
:data:`SNAPSHOT_META` (fiscal start month, currency, masked source, stages, fingerprint).
The quarterly run writes one and every report notebook reads it.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa

from salesops_lib import schema
from salesops_lib.data.presets import Stage
from salesops_lib.data.sales_data import SalesData
from salesops_lib.periods import FiscalCalendar

SNAPSHOT_META = "salesops_snapshot.json"
"""The metadata file that marks a folder as a snapshot."""


def is_snapshot(folder: str | Path) -> bool:
    """Whether ``folder`` is a snapshot written by :func:`write_snapshot`.

    Parameters
    ----------
    folder
        Any path (a URL is no snapshot).

    Returns
    -------
    bool
        True for a folder holding :data:`SNAPSHOT_META`.
    """
    if "://" in str(folder):
        return False
    path = Path(folder)
    return path.is_dir() and (path / SNAPSHOT_META).is_file()


def write_snapshot(data: SalesData, folder: str | Path) -> Path:
    """Freeze validated data to Parquet files plus a metadata file.

    The snapshot loads back with :func:`~salesops_lib.data.load_dataset` (or
    :func:`read_snapshot`) without re-validation. Nothing secret is written: the source is
    stored with its password masked.

    Parameters
    ----------
    data
        The data set to freeze.
    folder
        Where to write (created if need be; files of the same names are replaced).

    Returns
    -------
    pathlib.Path
        ``folder``.

    Examples
    --------
    >>> snap = write_snapshot(load_dataset("data/demo"), "reports/snapshot")  # doctest: +SKIP
    >>> read_snapshot(snap).fingerprint() == load_dataset("data/demo").fingerprint()  # doctest: +SKIP
    True
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # history (most of the bytes) and the fingerprint each in a thread of their own while
    # this one writes the other tables: Arrow's writer and the hash release the GIL
    with ThreadPoolExecutor(max_workers=2) as pool:
        fingerprint_job = pool.submit(data.fingerprint)
        history_job = (
            pool.submit(_write_history, data.history, folder / "history.parquet")
            if data.history is not None
            else None
        )
        for name, frame in data.tables.items():
            if name != "history":
                frame.to_parquet(folder / f"{name}.parquet", index=False)
        data.warnings.to_parquet(folder / "warnings.parquet", index=False)
        fingerprint = fingerprint_job.result()
        if history_job is not None:
            history_job.result()  # re-raises a failed write here
    meta = {
        "fiscal_start_month": data.calendar.start_month,
        "currency": data.currency,
        "source": data.source,
        "stages": [
            {"name": s.name, "closed": s.closed, "won": s.won, "probability": s.probability}
            for s in data.stages
        ],
        "fingerprint": fingerprint,
    }
    (folder / SNAPSHOT_META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return folder


def _write_history(history: pd.DataFrame, path: Path, chunk_rows: int = 2_000_000) -> None:
    """Write history sorted by snapshot date then deal, a slice at a time.

    Readers of a snapshot (the report notebooks) then find it in that order and need not
    sort or copy it; writing in slices keeps the extra memory to one slice.
    """
    import pyarrow.parquet as pq

    from salesops_lib.fast import order, sorted_by_date_then_text

    if sorted_by_date_then_text(history["snapshot_date"], history["opp_id"]):
        history.to_parquet(path, index=False)
        return
    rows = order(history["snapshot_date"], history["opp_id"])
    writer = None
    try:
        for i in range(0, len(rows), chunk_rows):
            part = pa.Table.from_pandas(
                history.iloc[rows[i : i + chunk_rows]], preserve_index=False
            )
            if writer is None:
                writer = pq.ParquetWriter(path, part.schema)
            writer.write_table(part.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()


def read_snapshot(folder: str | Path) -> SalesData:
    """Read a snapshot written by :func:`write_snapshot`.

    Parameters
    ----------
    folder
        The snapshot folder.

    Returns
    -------
    SalesData
        The tables, warnings, stages, calendar, currency and source as frozen; tables
        without a file are None.
    """
    folder = Path(folder)
    meta = json.loads((folder / SNAPSHOT_META).read_text(encoding="utf-8"))
    frames = {}
    for name in schema.TABLES:
        p = folder / f"{name}.parquet"
        frames[name] = pd.read_parquet(p) if p.is_file() else None
    warnings_path = folder / "warnings.parquet"
    warnings = (
        pd.read_parquet(warnings_path)
        if warnings_path.is_file()
        else pd.DataFrame(columns=schema.WARNINGS_COLUMNS)
    )
    return SalesData(
        reps=frames["reps"],
        opportunities=frames["opportunities"],
        accounts=frames["accounts"],
        history=frames["history"],
        quotas=frames["quotas"],
        activities=frames["activities"],
        calendar=FiscalCalendar(int(meta["fiscal_start_month"])),
        warnings=warnings,
        stages=tuple(
            Stage(s["name"], s["closed"], s["won"], s.get("probability")) for s in meta["stages"]
        ),
        currency=meta.get("currency", "USD"),
        source=meta.get("source", str(folder)),
    )
