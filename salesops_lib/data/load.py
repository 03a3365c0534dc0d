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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from salesops_lib import schema
from salesops_lib.config import load_config, mask, mask_url, secrets_of
from salesops_lib.data.checks import HistoryPairs, check, history_pairs_raw
from salesops_lib.data.io import WHOLE_DAYS
from salesops_lib.data.mapping import derive_reps, map_columns
from salesops_lib.data.presets import Preset, Stage, get_preset, stages_from_config
from salesops_lib.data.problems import problem, problem_frame, summarise
from salesops_lib.data.sales_data import SalesData
from salesops_lib.data.snapshot import is_snapshot, read_snapshot
from salesops_lib.data.sources import Windows, read_source
from salesops_lib.data.stages import (
    infer_stages,
    normalise_categories,
    normalise_history,
    normalise_stages,
)
from salesops_lib.data.tables import coerce_table
from salesops_lib.errors import ConfigError, SalesOpsDataError
from salesops_lib.fast import has_duplicates
from salesops_lib.periods import FiscalCalendar

Config = str | Path | dict[str, Any] | None
"""A config: the path of a ``salesops.toml``, an already-read dict, or None (defaults)."""

WINDOWED = {"history": "snapshot_date", "activities": "activity_date"}
"""Tables cut to a date window by ``load_dataset(since=...)``, and their date column."""


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
    try:
        data, problems = _load(source, preset=preset, config=config)
    except SalesOpsDataError as exc:
        problems = problem_frame([problem("error", "", "", [], str(exc))])
        return None, problems
    if (problems["severity"] == "error").any():
        return None, problems
    return data, problems


@dataclass(frozen=True)
class _Settings:
    """What the config and arguments say about one load."""

    src: str
    shown: str  # src with its secrets masked: the only spelling messages use
    preset: Preset | None
    calendar: FiscalCalendar
    stages: tuple[Stage, ...]
    data_cfg: dict[str, Any]
    user_columns: dict[str, dict[str, str]]
    user_tables: dict[str, str]
    since: pd.Timestamp | None
    windows: Windows
    currency: str


def _load(
    source: str | Path,
    *,
    preset: str | None,
    config: Config,
    since: str | pd.Timestamp | None = None,
) -> tuple[SalesData | None, pd.DataFrame]:
    """The data (None when blocked) and every problem found, in order."""
    src = str(source)
    if is_snapshot(src):
        return read_snapshot(src), problem_frame([])
    cfg = load_config(folder_config(src) if config is None else config)
    shown = mask(mask_url(src), secrets_of(cfg, src))
    settings = _settings(cfg, src, shown, preset, since)
    problems: list[dict] = []
    raw = _read_raw(settings, problems)
    tables = _map_tables(raw, settings.preset, settings.user_columns, problems)
    typed, stages = _type_and_check(tables, settings, problems)
    problems_frame = problem_frame(problems)
    if typed is None or (problems_frame["severity"] == "error").any():
        return None, problems_frame
    return _assemble(typed, stages, settings, problems_frame), problems_frame


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
    user_columns: dict[str, dict[str, str]] = data_cfg.get("columns", {}) or {}
    since_ts = _since(since)
    windows: Windows = {}
    if since_ts is not None:
        for table, col in WINDOWED.items():
            mapped = {v: k for k, v in user_columns.get(table, {}).items()}.get(col, col)
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
    )


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
    if "opportunities" not in raw:
        raise SalesOpsDataError(
            f"no opportunities table found in {settings.shown}: expected a file named opportunities.csv "
            "(or the export named by the preset), or a single CSV export of opportunities"
        )
    return raw


def _map_tables(
    raw: dict[str, pd.DataFrame],
    preset: Preset | None,
    user_columns: dict[str, dict[str, str]],
    problems: list[dict],
) -> dict[str, pd.DataFrame]:
    """Canonical column names, the preset's repairs, and reps derived when absent.

    ``raw`` is emptied as it goes: only one copy of a large table is alive at a time.
    """
    tables = {}
    for name in list(raw):
        tables[name] = map_columns(name, raw.pop(name), preset, user_columns.get(name, {}))
    extra_warnings: list[dict] = []
    if preset is not None and preset.transform is not None:
        tables, extra_warnings = preset.transform(tables)
    for w in extra_warnings:
        problems.append(problem("warning", w["table"], w["column"], w["ids"], w["message"]))
    if "reps" not in tables:
        tables["reps"] = derive_reps(tables["opportunities"])
        msg = (
            "no reps table: reps were derived from the opportunities' owner columns "
            "(add a reps file for manager, team, region, hire date)"
        )
        problems.append(problem("warning", "reps", "", [], msg))
    return tables


def _type_and_check(
    tables: dict[str, pd.DataFrame], settings: _Settings, problems: list[dict]
) -> tuple[dict[str, pd.DataFrame] | None, tuple[Stage, ...]]:
    """Typed, normalised and checked tables (None when a required column is missing), and
    the stages (configured, else inferred from the deals).

    History runs to tens of millions of rows. Its (date, deal) pairs are checked in a
    second thread while this one types the tables: Arrow, NumPy and DuckDB release the GIL.
    ``tables`` is emptied as it goes.
    """
    table_order = [n for n in tables if n in schema.TABLES]
    with ThreadPoolExecutor(max_workers=1) as pool:
        pairs_job = _start_history_pairs(pool, tables)  # first: the longest job of the load
        typed, table_problems, keys_duplicated = _type_tables(tables, table_order, settings)
        stages = _normalise(typed, settings.stages, table_problems)
        for name in table_order:
            problems.extend(table_problems[name])
        if any(p["severity"] == "error" and "missing" in p["message"] for p in problems):
            return None, stages
        check(
            typed,
            stages,
            settings.calendar,
            problems,
            keys_duplicated=keys_duplicated,
            history_pairs=pairs_job,  # may still be running: the other checks go first
        )
    return typed, stages


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
        calendar=settings.calendar,
        warnings=warnings,
        stages=stages,
        currency=settings.currency,
        source=settings.shown,
    )
