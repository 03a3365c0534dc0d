"""Load CRM data into validated canonical tables: the steps of a load, in order.

:func:`load_dataset` is the one way in: a folder of CSV/Parquet files, a single CSV export of
opportunities, a DuckDB file, a SQLAlchemy URL, or a frozen snapshot written by
:func:`~salesops_lib.data.snapshot.write_snapshot`. A load reads the settings (config,
stages, calendar, ``since``), reads the raw tables (:mod:`~salesops_lib.data.sources`), maps
their columns (:mod:`~salesops_lib.data.mapping`), types them
(:mod:`~salesops_lib.data.tables`), normalises stages (:mod:`~salesops_lib.data.stages`),
checks them (:mod:`~salesops_lib.data.checks`) and assembles a frozen :class:`SalesData`.
Blocking problems raise :class:`~salesops_lib.errors.SalesOpsDataError` naming table, column,
the first offending ids and what to fix; :func:`validate` returns all problems at once instead.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from salesops_lib import schema
from salesops_lib.config import load_config, mask, mask_url, secrets_of
from salesops_lib.data.changelog import changes_to_snapshots, order_changes, snapshot_dates
from salesops_lib.data.checks import HistoryPairs, check, history_pairs_raw
from salesops_lib.data.io import WHOLE_DAYS
from salesops_lib.data.mapping import derive_reps, map_columns, mapping_rows, user_mapping
from salesops_lib.data.presets import (
    CHANGE_LOG,
    Preset,
    Stage,
    get_preset,
    stages_from_config,
    with_last_owner_change,
)
from salesops_lib.data.problems import problem, problem_frame, summarise
from salesops_lib.data.sales_data import SalesData, hand_over_history_codes
from salesops_lib.data.snapshot import is_snapshot, read_snapshot
from salesops_lib.data.sources import EMPTY_FILE, EMPTY_FILE_OK, Windows, read_source
from salesops_lib.data.stages import (
    infer_stages,
    normalise_categories,
    normalise_history,
    normalise_stages,
)
from salesops_lib.data.tables import coerce_table
from salesops_lib.errors import ConfigError, SalesOpsDataError
from salesops_lib.fast import has_duplicates, isin
from salesops_lib.periods import FiscalCalendar

Config = str | Path | dict[str, Any] | None
"""A config: the path of a ``salesops.toml``, an already-read dict, or None (defaults)."""

WINDOWED = {"history": "snapshot_date", "activities": "activity_date"}
"""Tables cut to a date window by ``load_dataset(since=...)``, and their date column."""


NO_REPS_TABLE = "no reps table"
"""How the warning about reps derived from the deal owners begins (reports word reps so)."""


def load_dataset(
    source: str | Path,
    *,
    preset: str | None = None,
    config: Config = None,
    since: str | pd.Timestamp | None = None,
) -> SalesData:
    """Load a CRM data set into validated canonical tables.

    Parameters
    ----------
    source
        A folder with one CSV or Parquet file per table (``opportunities.csv``,
        ``reps.csv``, ...), a single CSV export of opportunities, a DuckDB file, a
        SQLAlchemy URL, or a snapshot folder written by
        :func:`~salesops_lib.data.write_snapshot`.
    preset
        ``maven_crm``, ``salesforce`` or ``hubspot``: how that product's export maps onto the
        canonical tables. Overrides the config's ``data.preset``.
    config
        Path of a ``salesops.toml`` (or an already-read dict): column mapping, stage order,
        fiscal start month, currency. None: the ``salesops.toml`` inside a ``source``
        folder, when it has one (:func:`folder_config`); otherwise defaults.
    since
        Keep only history snapshots and activities dated on or after this day. From a
        database (SQLAlchemy URL or DuckDB file) the condition is pushed down into the
        query, so older snapshots never leave the database; from files they are dropped
        after reading. Opportunities, reps, accounts and quotas are read whole.

    Returns
    -------
    SalesData
        The typed tables; problems that do not block are in its ``warnings``.

    Raises
    ------
    SalesOpsDataError
        On any blocking problem; ``.problems`` holds all of them.
    ConfigError
        If the config, the preset name or ``since`` is invalid.

    Examples
    --------
    >>> data = load_dataset("data/examples/maven_crm", preset="maven_crm")  # doctest: +SKIP
    >>> data.opportunities[["opp_id", "rep_id", "amount"]].head()  # doctest: +SKIP
    """
    data, problems = _load(source, preset=preset, config=config, since=since)
    # the tables as read (many Arrow chunks, joined into one per column by SalesData) are
    # freed now; Arrow's allocator keeps freed pages unless told: 1 GB on the large demo
    pa.default_memory_pool().release_unused()
    blocking = problems[problems["severity"] == "error"]
    if len(blocking):
        raise SalesOpsDataError(summarise(blocking), problems=blocking.reset_index(drop=True))
    assert data is not None
    return data


def folder_config(source: str | Path) -> Path | None:
    """The ``salesops.toml`` inside a data folder, the config a load uses when given none.

    Parameters
    ----------
    source
        A data source (a folder, a file, a URL).

    Returns
    -------
    pathlib.Path or None
        ``source/salesops.toml`` when ``source`` is a folder holding one; else None.

    Examples
    --------
    >>> folder_config("data/demo")  # doctest: +SKIP
    PosixPath('data/demo/salesops.toml')
    >>> folder_config("postgresql://crm@db/sales") is None
    True
    """
    try:
        candidate = Path(source) / "salesops.toml"
        return candidate if Path(source).is_dir() and candidate.is_file() else None
    except (OSError, ValueError):
        return None


def validate(
    source: str | Path, *, preset: str | None = None, config: Config = None
) -> tuple[SalesData | None, pd.DataFrame]:
    """Load and check a data set, returning every problem instead of raising.

    Parameters
    ----------
    source, preset, config
        As for :func:`load_dataset` (no config: the folder's ``salesops.toml``, if any).

    Returns
    -------
    data : SalesData or None
        None when the source could not be read at all or has blocking problems.
    problems : pandas.DataFrame
        Columns ``severity`` (``error`` or ``warning``), ``table``, ``column``, ``ids``,
        ``message``, in the order found; a source that cannot be read at all is one error
        row with empty ``table`` and ``column``.

    Raises
    ------
    ConfigError
        If the config, or the preset name, is invalid.

    Examples
    --------
    >>> data, problems = validate("data/demo")  # doctest: +SKIP
    >>> problems[problems["severity"] == "error"].empty  # doctest: +SKIP
    True
    """
    checked = check_source(source, preset=preset, config=config)
    return checked.data, checked.problems


MAPPING_COLUMNS = ["table", "source", "column", "rule"]
"""Columns of :attr:`SourceCheck.mapping` (see :func:`~salesops_lib.data.mapping.mapping_rows`)."""


@dataclass(frozen=True)
class SourceCheck:
    """What :func:`check_source` found: the data, every problem, and the mapping applied.

    Parameters
    ----------
    data
        None when the source could not be read or has blocking problems.
    problems
        As :func:`validate` returns them.
    mapping
        One row per canonical column fed (its source label, or a constant, and the rule
        that chose it) and per source column nothing reads (:data:`MAPPING_COLUMNS`); empty
        when the source could not be read.
    """

    data: SalesData | None
    problems: pd.DataFrame
    mapping: pd.DataFrame


def check_source(
    source: str | Path, *, preset: str | None = None, config: Config = None
) -> SourceCheck:
    """Load and check a data set, returning every problem and the column mapping applied.

    Parameters
    ----------
    source, preset, config
        As for :func:`load_dataset`.

    Returns
    -------
    SourceCheck

    Raises
    ------
    ConfigError
        If the config, or the preset name, is invalid.

    Examples
    --------
    >>> checked = check_source("data/demo")  # doctest: +SKIP
    >>> checked.mapping[checked.mapping["rule"] == "unmapped"]  # doctest: +SKIP
    """
    rows: list[dict] = []
    try:
        data, problems = _load(source, preset=preset, config=config, mapping=rows)
    except SalesOpsDataError as exc:
        problems = problem_frame([problem("error", "", "", [], str(exc))])
        data = None
    mapping = pd.DataFrame(rows, columns=MAPPING_COLUMNS)
    if (problems["severity"] == "error").any():
        data = None
    return SourceCheck(data, problems, mapping)


@dataclass(frozen=True)
class _Settings:
    """What the config and arguments say about one load."""

    src: str
    shown: str  # src with its secrets masked: the only spelling messages use
    preset: Preset | None
    calendar: FiscalCalendar
    stages: tuple[Stage, ...]
    data_cfg: dict[str, Any]
    user_columns: dict[str, dict[str, Any]]
    user_tables: dict[str, str]
    since: pd.Timestamp | None
    windows: Windows
    currency: str
    history_changes: bool = False  # history is a change log, not snapshots
    block_migrated: bool = False  # close-before-created closed deals block the load
    export_date: pd.Timestamp | None = None  # the day the export was taken, when stated


def _load(
    source: str | Path,
    *,
    preset: str | None,
    config: Config,
    since: str | pd.Timestamp | None = None,
    mapping: list[dict] | None = None,
) -> tuple[SalesData | None, pd.DataFrame]:
    """The data (None when blocked) and every problem found, in order; the mapping applied
    is appended to ``mapping`` when given."""
    src = str(source)
    if is_snapshot(src):
        return read_snapshot(src), problem_frame([])
    cfg = load_config(folder_config(src) if config is None else config)
    shown = mask(mask_url(src), secrets_of(cfg, src))
    settings = _settings(cfg, src, shown, preset, since)
    problems: list[dict] = []
    raw = _read_raw(settings, problems)
    if mapping is not None:
        for name, frame in raw.items():
            labels = [str(c) for c in frame.columns]
            user = settings.user_columns.get(name, {})
            mapping.extend(mapping_rows(name, labels, settings.preset, user))
    tables = _map_tables(raw, settings.preset, settings.user_columns, problems)
    if "history" in tables and tables["history"].attrs.get(CHANGE_LOG):  # built by a preset
        settings = replace(settings, history_changes=True)
    if settings.history_changes and "history" in tables:
        tables["history"] = order_changes(tables["history"])
    typed, stages, codes = _type_and_check(tables, settings, problems)
    problems_frame = problem_frame(problems)
    if typed is None or (problems_frame["severity"] == "error").any():
        return None, problems_frame
    data = _assemble(typed, stages, settings, problems_frame)
    if codes is not None and data.history is not None and len(codes) == len(data.history):
        hand_over_history_codes(data, codes)  # the facts need not look 20M ids up again
    return data, problems_frame


def _settings(
    cfg: dict[str, Any], src: str, shown: str, preset: str | None, since: object
) -> _Settings:
    """Preset, calendar, stages, mapping and the ``since`` windows, checked."""
    data_cfg = cfg.get("data", {}) if isinstance(cfg.get("data", {}), dict) else {}
    the_preset = get_preset(preset or data_cfg.get("preset"))
    fiscal = cfg.get("fiscal", {})
    try:
        calendar = FiscalCalendar(int(fiscal.get("start_month", 1)))
    except (TypeError, ValueError):
        raise ConfigError(
            f"fiscal.start_month must be a month number, got {fiscal.get('start_month')!r}"
        ) from None
    stages: tuple[Stage, ...] = ()
    if cfg.get("stages"):
        stages = stages_from_config(cfg["stages"])
    elif the_preset is not None:
        stages = the_preset.stages
    user_columns: dict[str, dict[str, Any]] = data_cfg.get("columns", {}) or {}
    since_ts = _since(since)
    windows: Windows = {}
    if since_ts is not None:
        for table, col in WINDOWED.items():
            pairs = user_mapping(table, user_columns.get(table, {})).pairs
            mapped = {canon: src for src, canon in pairs}.get(col, col)
            windows[table] = (mapped, since_ts)
    return _Settings(
        src=src,
        shown=shown,
        preset=the_preset,
        calendar=calendar,
        stages=stages,
        data_cfg=data_cfg,
        user_columns=user_columns,
        user_tables=data_cfg.get("tables", {}) or {},
        since=since_ts,
        windows=windows,
        currency=str(fiscal.get("currency", data_cfg.get("currency", "USD"))),
        history_changes=_history_is_changes(data_cfg, the_preset),
        export_date=_export_date(data_cfg),
        block_migrated=_block_migrated(data_cfg),
    )


def _block_migrated(data_cfg: dict[str, Any]) -> bool:
    """The config's ``data.migrated_records``: ``"warn"`` (the default) or ``"block"``."""
    given = data_cfg.get("migrated_records", "warn")
    if given not in ("warn", "block"):
        raise ConfigError(
            'data.migrated_records must be "warn" (closed deals that close before they were '
            f'created are warnings) or "block" (they stop the load), got {given!r}'
        )
    return given == "block"


def _history_is_changes(data_cfg: dict[str, Any], preset: Preset | None) -> bool:
    """Whether history is a change log: the config's ``data.history``, else the preset's."""
    given = data_cfg.get("history")
    if given is None:
        return preset is not None and preset.history == "changes"
    if given not in ("snapshots", "changes"):
        raise ConfigError(
            f'data.history must be "snapshots" (each open deal on each date) or "changes" '
            f"(one row per change to a deal), got {given!r}"
        )
    return given == "changes"


def _export_date(data_cfg: dict[str, Any]) -> pd.Timestamp | None:
    """The config's ``data.export_date``: the day the export was taken."""
    given = data_cfg.get("export_date")
    if given is None or not str(given).strip():
        return None
    try:
        return pd.Timestamp(str(given)).normalize()
    except ValueError:
        raise ConfigError(
            f"data.export_date {given!r} is not a date; write it like 2026-05-14"
        ) from None


def _since(since: object) -> pd.Timestamp | None:
    """The first day of ``since`` (None when not given)."""
    if since is None or not str(since).strip():
        return None
    try:
        return pd.Timestamp(str(since).strip()).normalize()
    except ValueError:
        raise ConfigError(f"since {since!r} is not a date; write it like 2024-01-01") from None


def _read_raw(settings: _Settings, problems: list[dict]) -> dict[str, pd.DataFrame]:
    """The raw tables; a windowed table with no row since the first day is left out."""
    raw = read_source(
        settings.src,
        settings.shown,
        settings.preset,
        settings.user_columns,
        settings.user_tables,
        settings.data_cfg,
        settings.windows,
    )
    for table in settings.windows:
        if table in raw and len(raw[table]) == 0:
            # nothing on or after `since`: the table is absent for this analysis, not broken
            del raw[table]
            assert settings.since is not None
            problems.append(
                problem(
                    "warning",
                    table,
                    WINDOWED[table],
                    [],
                    f"no rows on or after {settings.since:%Y-%m-%d}",
                )
            )
    _drop_empty_files(raw, problems)
    if "opportunities" not in raw:
        raise SalesOpsDataError(
            f"no opportunities table found in {settings.shown}: expected a file named opportunities.csv "
            "(or the export named by the preset), or a single CSV export of opportunities"
        )
    return raw


def _drop_empty_files(raw: dict[str, pd.DataFrame], problems: list[dict]) -> None:
    """Leave out, in place, an optional table of :data:`EMPTY_FILE_OK` whose file holds no
    rows: silently for a header only (no changes to read), with a warning for a zero-byte
    file (likely a failed export)."""
    for table in EMPTY_FILE_OK:
        frame = raw.get(table)
        if frame is None or len(frame):
            continue
        del raw[table]
        name = frame.attrs.get(EMPTY_FILE)
        if name:
            problems.append(
                problem(
                    "warning",
                    table,
                    "",
                    [],
                    f"{name} is empty (zero bytes, not even a header row), so no owner "
                    "changes are read; export it again if deals changed owner",
                )
            )


def _map_tables(
    raw: dict[str, pd.DataFrame],
    preset: Preset | None,
    user_columns: dict[str, dict[str, Any]],
    problems: list[dict],
) -> dict[str, pd.DataFrame]:
    """Canonical column names, the preset's repairs, and reps derived when absent.

    ``raw`` is emptied as it goes: only one copy of a large table is alive at a time.
    """
    tables = {}
    for name in list(raw):
        tables[name] = map_columns(name, raw.pop(name), preset, user_columns.get(name, {}))
    extra_warnings: list[dict] = []
    if "owner_changes" in tables and "rep_id" in tables["owner_changes"]:  # the table itself
        tables["opportunities"], extra_warnings = with_last_owner_change(
            tables["opportunities"], tables["owner_changes"]
        )
    if preset is not None and preset.transform is not None:
        tables, more = preset.transform(tables)
        extra_warnings += more
    for w in extra_warnings:
        problems.append(problem("warning", w["table"], w["column"], w["ids"], w["message"]))
    if "reps" not in tables:
        tables["reps"] = derive_reps(tables["opportunities"])
        msg = (
            f"{NO_REPS_TABLE}: reps were derived from the opportunities' owner columns "
            "(add a reps file for manager, team, region, hire date)"
        )
        problems.append(problem("warning", "reps", "", [], msg))
    return tables


def _type_and_check(
    tables: dict[str, pd.DataFrame], settings: _Settings, problems: list[dict]
) -> tuple[dict[str, pd.DataFrame] | None, tuple[Stage, ...], np.ndarray | None]:
    """Typed, normalised and checked tables (None when a required column is missing), the
    stages (configured, else inferred from the deals), and each history row's deal code as
    the history check found it (None when it did not run in its own thread).

    History runs to tens of millions of rows. Its (date, deal) pairs are checked in a
    second thread while this one types the tables: Arrow, NumPy and DuckDB release the GIL.
    ``tables`` is emptied as it goes.
    """
    table_order = [n for n in tables if n in schema.TABLES]
    with ThreadPoolExecutor(max_workers=1) as pool:
        pairs_job = (  # first: the longest job of the load
            None if settings.history_changes else _start_history_pairs(pool, tables)
        )
        typed, table_problems, keys_duplicated = _type_tables(tables, table_order, settings)
        stages = _normalise(typed, settings.stages, table_problems)
        if settings.history_changes and "history" in typed and "opportunities" in typed:
            typed["history"] = _snapshots_from_changes(
                typed["history"], typed["opportunities"], settings, table_problems["history"]
            )
        for name in table_order:
            problems.extend(table_problems[name])
        if any(p["severity"] == "error" and "missing" in p["message"] for p in problems):
            return None, stages, None
        check(
            typed,
            stages,
            settings.calendar,
            problems,
            keys_duplicated=keys_duplicated,
            history_pairs=pairs_job,  # may still be running: the other checks go first
            block_migrated=settings.block_migrated,
        )
    codes = None if pairs_job is None else pairs_job.result().get("codes")
    return typed, stages, codes


def _snapshots_from_changes(
    changes: pd.DataFrame, opps: pd.DataFrame, settings: _Settings, problems: list[dict]
) -> pd.DataFrame:
    """History as snapshots of every deal on the dates the reports need, from a change log."""
    if changes.empty or not {"snapshot_date", "opp_id"} <= set(changes):
        return changes
    last = data_last_date(opps, changes["snapshot_date"], settings.export_date)
    dates = snapshot_dates(changes["snapshot_date"].min(), last, settings.calendar)
    unlogged = ~isin(opps["opp_id"], changes["opp_id"])
    if unlogged.any():
        problems.append(
            problem(
                "warning",
                "history",
                "opp_id",
                opps.loc[unlogged, "opp_id"],
                f"{int(unlogged.sum()):,} deal(s) without any row in the change log: they "
                "appear in no snapshot (past pipeline, slipped and pushed deals leave them out)",
            )
        )
    return changes_to_snapshots(changes, dates)


def data_last_date(
    opps: pd.DataFrame, days: pd.Series | None = None, export_date: pd.Timestamp | None = None
) -> pd.Timestamp:
    """The data's last date: the export date when stated, else the latest date in the data.

    Parameters
    ----------
    opps
        Typed opportunities (``created_date``, ``close_date``, ``is_closed``).
    days
        Other dates of the data (history's), or None.
    export_date
        The day the export was taken (the config's ``data.export_date``), if stated.

    Returns
    -------
    pandas.Timestamp
        ``export_date`` when given; else the latest created date, close of a closed deal or
        day in ``days``.

    Examples
    --------
    >>> opps = pd.DataFrame({"created_date": pd.to_datetime(["2026-01-05", "2026-03-01"]),
    ...                      "close_date": pd.to_datetime(["2026-03-20", "2026-06-30"]),
    ...                      "is_closed": [True, False]})
    >>> data_last_date(opps).date()
    datetime.date(2026, 3, 20)
    """
    if export_date is not None:
        return pd.Timestamp(export_date)
    closed = opps["is_closed"].fillna(False).to_numpy(dtype=bool)
    cands = [opps["created_date"].max(), opps.loc[closed, "close_date"].max()]
    if days is not None and len(days):
        cands.append(days.max())
    return pd.Timestamp(max(c for c in cands if pd.notna(c)))


def _start_history_pairs(
    pool: ThreadPoolExecutor, tables: dict[str, pd.DataFrame]
) -> Future[HistoryPairs] | None:
    """Start the history pair check on the raw columns, when history can be checked."""
    raw_history, raw_opps = tables.get("history"), tables.get("opportunities")
    if (
        raw_history is None
        or raw_opps is None
        or "opp_id" not in raw_opps
        or not {"snapshot_date", "opp_id"} <= set(raw_history.columns)
    ):
        return None
    return pool.submit(
        history_pairs_raw,
        raw_history["snapshot_date"],
        raw_history["opp_id"],
        raw_opps["opp_id"],
        whole_days="snapshot_date" in raw_history.attrs.get(WHOLE_DAYS, ()),
    )


def _type_tables(
    tables: dict[str, pd.DataFrame], table_order: list[str], settings: _Settings
) -> tuple[dict[str, pd.DataFrame], dict[str, list[dict]], dict[str, bool]]:
    """Each canonical table typed to the schema (opportunities first), its problems, and
    whether its key has duplicates (while the key column is fresh in cache)."""
    typed: dict[str, pd.DataFrame] = {}
    table_problems: dict[str, list[dict]] = {}
    keys_duplicated: dict[str, bool] = {}
    for name in sorted(table_order, key=lambda n: n != "opportunities"):
        frame = tables.pop(name)
        table_problems[name] = []
        typed[name] = coerce_table(
            schema.TABLES[name], frame, settings.preset, table_problems[name]
        )
        del frame
        key = schema.TABLES[name].key
        if key and key in typed[name]:
            keys_duplicated[name] = has_duplicates(typed[name][key])
    return typed, table_problems, keys_duplicated


def _normalise(
    typed: dict[str, pd.DataFrame],
    stages: tuple[Stage, ...],
    table_problems: dict[str, list[dict]],
) -> tuple[Stage, ...]:
    """Stages and forecast categories spelled one way, in ``typed``; the stages in use."""
    if "opportunities" in typed:
        typed["opportunities"] = normalise_stages(
            typed["opportunities"], stages, table_problems["opportunities"]
        )
        if not stages:  # no stage list configured: the deals' own stages name history's
            stages = infer_stages(typed["opportunities"])
    if "history" in typed:
        typed["history"] = normalise_history(typed["history"], stages)
    for name in ("opportunities", "history"):
        if name in typed and "forecast_category" in typed[name]:
            typed[name]["forecast_category"] = normalise_categories(
                typed[name]["forecast_category"]
            )
    return stages


def _assemble(
    typed: dict[str, pd.DataFrame],
    stages: tuple[Stage, ...],
    settings: _Settings,
    problems: pd.DataFrame,
) -> SalesData:
    """The frozen data set, its warnings the non-blocking problems."""
    warnings = problems[problems["severity"] == "warning"][schema.WARNINGS_COLUMNS].reset_index(
        drop=True
    )
    return SalesData(
        reps=typed["reps"],
        opportunities=typed["opportunities"],
        accounts=typed.get("accounts"),
        history=typed.get("history"),
        quotas=typed.get("quotas"),
        activities=typed.get("activities"),
        owner_changes=typed.get("owner_changes"),
        enablement=typed.get("enablement"),
        calendar=settings.calendar,
        warnings=warnings,
        stages=stages,
        currency=settings.currency,
        source=settings.shown,
        export_date=settings.export_date,
    )
