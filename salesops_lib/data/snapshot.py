"""Snapshot I/O: validated data frozen to Arrow files, and read back without re-validation.

A snapshot folder holds one ``<table>.arrow`` per table present, ``warnings.arrow``, the
per-deal facts derived from history (``facts_history.arrow``, row for row with
``history.arrow``, and ``facts_deals.arrow``, row for row with ``opportunities.arrow``;
see :mod:`salesops_lib.data.facts`) and :data:`SNAPSHOT_META` (fiscal start month, currency,
masked source, stages, fingerprint). The quarterly run writes one and every report
notebook reads it, so the facts are derived once per run.

The files are Arrow IPC ("Feather v2"), uncompressed by default: a report kernel maps them
into memory instead of decoding them, so reading the large demo company's 23 million
snapshot rows takes about a second rather than the 5-6 s of the same tables in Parquet
(:func:`read_snapshot`), and the run's freeze writes them faster. They take about five times
the disk of Parquet, which is why the quarterly run deletes its snapshot when it ends; a
snapshot to keep can be written compressed (``compression="zstd"``).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from salesops_lib import schema
from salesops_lib.data.facts import DealFacts, open_stage_names
from salesops_lib.data.presets import Stage
from salesops_lib.data.sales_data import SalesData
from salesops_lib.periods import FiscalCalendar

SNAPSHOT_META = "salesops_snapshot.json"
"""The metadata file that marks a folder as a snapshot."""
FACTS_HISTORY = "facts_history.arrow"
FACTS_DEALS = "facts_deals.arrow"
SHARED = "shared"
"""The folder of a run's snapshot where reports share results (:meth:`SalesData.shared`);
the quarterly run makes it, :func:`write_snapshot` does not."""
SUFFIX = ".arrow"
"""The suffix of each table's file in a snapshot."""


def _write_frame(frame: pd.DataFrame, path: Path, compression: str | None) -> None:
    """Write ``frame`` as one Arrow IPC file, its columns' chunks as they are (no re-batching)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.ipc.new_file(str(path), table.schema, options=options) as writer:
        writer.write_table(table, max_chunksize=None)


def _read_frame(path: Path) -> pd.DataFrame:
    """Read a file written by :func:`_write_frame`, mapped into memory (no copy where Arrow allows)."""
    table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    return table.to_pandas(split_blocks=True)


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


def write_snapshot(data: SalesData, folder: str | Path, *, compression: str | None = None) -> Path:
    """Freeze validated data to Arrow files plus a metadata file.

    The snapshot loads back with :func:`~salesops_lib.data.load_dataset` (or
    :func:`read_snapshot`) without re-validation. Nothing secret is written: the source is
    stored with its password masked.

    Parameters
    ----------
    data
        The data set to freeze.
    folder
        Where to write (created if need be; an earlier snapshot there is replaced).
    compression
        None (the default: fastest to write and read, about five times Parquet's size), or
        ``"zstd"`` / ``"lz4"`` for a snapshot to keep.

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
    for stale in (*(f"{n}{SUFFIX}" for n in schema.TABLES), FACTS_HISTORY, FACTS_DEALS):
        (folder / stale).unlink(missing_ok=True)  # an earlier snapshot's table this one lacks
    # the facts (NumPy), history (most of the bytes) and the fingerprint in threads of their
    # own while this one writes the other tables: NumPy, Arrow's writer and the hash release
    # the GIL
    with ThreadPoolExecutor(max_workers=2) as pool:
        facts_job = pool.submit(lambda: data.facts)
        fingerprint_job = pool.submit(data.fingerprint)
        history_job = (
            pool.submit(_write_history, data.history, folder / f"history{SUFFIX}", compression)
            if data.history is not None
            else None
        )
        for name, frame in data.tables.items():
            if name != "history":
                _write_frame(frame, folder / f"{name}{SUFFIX}", compression)
        _write_frame(data.warnings, folder / f"warnings{SUFFIX}", compression)
        fingerprint = fingerprint_job.result()
        written_order = history_job.result() if history_job is not None else None
        _write_facts(facts_job.result(), written_order, folder, compression)
    meta = {
        "fiscal_start_month": data.calendar.start_month,
        "currency": data.currency,
        "source": data.source,
        "stages": [
            {"name": s.name, "closed": s.closed, "won": s.won, "probability": s.probability}
            for s in data.stages
        ],
        "fingerprint": fingerprint,
        "export_date": None if data.export_date is None else str(data.export_date.date()),
    }
    (folder / SNAPSHOT_META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return folder


def _write_facts(
    facts: DealFacts, history_order: np.ndarray | None, folder: Path, compression: str | None
) -> None:
    """Write the facts row for row with the tables as written (history perhaps re-ordered)."""
    _write_frame(facts.deals, folder / FACTS_DEALS, compression)
    if facts.history is not None:
        rows = facts.history if history_order is None else facts.history.iloc[history_order]
        _write_frame(rows, folder / FACTS_HISTORY, compression)


def _write_history(
    history: pd.DataFrame, path: Path, compression: str | None, chunk_rows: int = 2_000_000
) -> np.ndarray | None:
    """Write history sorted by snapshot date then deal, a slice at a time.

    Readers of a snapshot (the report notebooks) then find it in that order and need not
    sort or copy it; writing in slices keeps the extra memory to one slice.

    Returns
    -------
    ndarray or None
        The rows' order as written; None when history already was in that order.
    """
    from salesops_lib.fast import order, sorted_by_date_then_text

    if sorted_by_date_then_text(history["snapshot_date"], history["opp_id"]):
        _write_frame(history, path, compression)
        return None
    rows = order(history["snapshot_date"], history["opp_id"])
    parts = (
        pa.Table.from_pandas(history.iloc[rows[i : i + chunk_rows]], preserve_index=False)
        for i in range(0, len(rows), chunk_rows)
    )
    first = next(parts)
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.ipc.new_file(str(path), first.schema, options=options) as writer:
        writer.write_table(first, max_chunksize=None)
        for part in parts:
            writer.write_table(part.cast(first.schema), max_chunksize=None)
    return rows


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
        p = folder / f"{name}{SUFFIX}"
        frames[name] = _read_frame(p) if p.is_file() else None
    warnings_path = folder / f"warnings{SUFFIX}"
    warnings = (
        _read_frame(warnings_path)
        if warnings_path.is_file()
        else pd.DataFrame(columns=schema.WARNINGS_COLUMNS)
    )
    stages = tuple(
        Stage(s["name"], s["closed"], s["won"], s.get("probability")) for s in meta["stages"]
    )
    facts = None
    if (folder / FACTS_DEALS).is_file():
        history_facts = folder / FACTS_HISTORY
        facts = DealFacts(
            history=_read_frame(history_facts) if history_facts.is_file() else None,
            deals=_read_frame(folder / FACTS_DEALS),
            open_stages=open_stage_names(stages),
            in_date_order=True,  # written in (snapshot date, deal) order
        )
    return SalesData(
        reps=frames["reps"],
        opportunities=frames["opportunities"],
        accounts=frames["accounts"],
        history=frames["history"],
        quotas=frames["quotas"],
        activities=frames["activities"],
        owner_changes=frames["owner_changes"],
        enablement=frames["enablement"],
        calendar=FiscalCalendar(int(meta["fiscal_start_month"])),
        warnings=warnings,
        stages=stages,
        currency=meta.get("currency", "USD"),
        source=meta.get("source", str(folder)),
        known_facts=facts,
        export_date=pd.Timestamp(meta["export_date"]) if meta.get("export_date") else None,
        shared_folder=folder / SHARED if (folder / SHARED).is_dir() else None,
    )
