"""Load CRM data into validated canonical tables.

:func:`load_dataset` is the one way in: a folder of CSV/Parquet files, a single CSV export of
opportunities, a DuckDB file, a SQLAlchemy URL, or a frozen snapshot written by
:func:`write_snapshot`. It maps columns (preset or config), coerces types, checks the data
and returns a frozen :class:`SalesData`. Blocking problems raise
:class:`~salesops_lib.errors.SalesOpsDataError` naming table, column, the first offending ids
and what to fix; :func:`validate` returns all problems at once instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from salesops_lib import schema
from salesops_lib.config import load_config, mask, mask_url, secrets_of
from salesops_lib.data.coerce import (
    map_labels,
    map_values,
    to_bool,
    to_date,
    to_label,
    to_money,
    to_probability,
    to_text,
)
from salesops_lib.data.io import (
    WHOLE_DAYS,
    parquet_columns,
    read_duckdb,
    read_header,
    read_sql,
    read_table_file,
)
from salesops_lib.data.presets import Preset, Stage, get_preset, stages_from_config
from salesops_lib.data.sales_data import SalesData
from salesops_lib.errors import ConfigError, SalesOpsDataError
from salesops_lib.fast import (
    deal_codes,
    duplicate_pairs,
    has_duplicates,
    isin,
)
from salesops_lib.periods import FiscalCalendar

SNAPSHOT_META = "salesops_snapshot.json"
PROBLEM_COLUMNS = ["severity", "table", "column", "ids", "message"]
_FORECAST_CATEGORY_NAMES = {
    "pipeline": "Pipeline",
    "best case": "Best Case",
    "bestcase": "Best Case",
    "upside": "Best Case",
    "commit": "Commit",
    "closed": "Closed",
    "closed won": "Closed",
    "omitted": "Omitted",
    "omit": "Omitted",
    "not forecasted": "Omitted",
}


# ----------------------------------------------------------------------------------------
# loading


def load_dataset(
    source: str | Path,
    *,
    preset: str | None = None,
    config: str | Path | dict | None = None,
    since: str | pd.Timestamp | None = None,
) -> SalesData:
    """Load a CRM data set into validated canonical tables.

    Parameters
    ----------
    source
        A folder with one CSV or Parquet file per table (``opportunities.csv``,
        ``reps.csv``, ...), a single CSV export of opportunities, a DuckDB file, a
        SQLAlchemy URL, or a snapshot folder written by :func:`write_snapshot`.
    preset
        ``maven_crm``, ``salesforce`` or ``hubspot``: how that product's export maps onto the
        canonical tables. Overrides the config's ``data.preset``.
    config
        Path of a ``salesops.toml`` (or an already-read dict): column mapping, stage order,
        fiscal start month, currency.
    since
        Keep only history snapshots and activities dated on or after this day. From a
        database (SQLAlchemy URL or DuckDB file) the condition is pushed down into the
        query, so older snapshots never leave the database; from files they are dropped
        after reading. Opportunities, reps, accounts and quotas are read whole.

    Returns
    -------
    SalesData

    Raises
    ------
    SalesOpsDataError
        On any blocking problem; ``.problems`` holds all of them.

    Examples
    --------
    >>> data = load_dataset("data/examples/maven_crm", preset="maven_crm")  # doctest: +SKIP
    >>> data.opportunities[["opp_id", "rep_id", "amount"]].head()  # doctest: +SKIP
    """
    data, problems = _load(source, preset=preset, config=config, since=since)
    blocking = problems[problems["severity"] == "error"]
    if len(blocking):
        raise SalesOpsDataError(_summarise(blocking), problems=blocking.reset_index(drop=True))
    assert data is not None
    return data


def validate(
    source: str | Path, *, preset: str | None = None, config: str | Path | dict | None = None
) -> tuple[SalesData | None, pd.DataFrame]:
    """Load and check a data set, returning every problem instead of raising.

    Returns
    -------
    (SalesData or None, problems)
        ``problems`` has columns ``severity`` (``error`` or ``warning``), ``table``,
        ``column``, ``ids``, ``message``. The data is None when it could not be read at all
        or has blocking problems.
    """
    try:
        data, problems = _load(source, preset=preset, config=config)
    except SalesOpsDataError as exc:
        problems = _problem_frame([_problem("error", "", "", [], str(exc))])
        return None, problems
    if (problems["severity"] == "error").any():
        return None, problems
    return data, problems


def _summarise(blocking: pd.DataFrame) -> str:
    lines = [format_problem(r) for r in blocking.head(10).to_dict("records")]
    more = f"\n... and {len(blocking) - 10} more" if len(blocking) > 10 else ""
    return f"{len(blocking)} blocking problem(s) in the data:\n" + "\n".join(lines) + more


def format_problem(p: dict) -> str:
    """One line: ``table.column: message (first ids: a, b)``."""
    where = p["table"] + (f".{p['column']}" if p.get("column") else "")
    ids = f" (first: {p['ids']})" if p.get("ids") else ""
    return f"{where}: {p['message']}{ids}" if where else f"{p['message']}{ids}"


def _problem(severity: str, table: str, column: str, ids: Any, message: str) -> dict:
    if isinstance(ids, pd.Series | pd.Index | list | np.ndarray):
        ids = ", ".join(str(i) for i in list(ids)[:5])
    return {
        "severity": severity,
        "table": table,
        "column": column,
        "ids": ids or "",
        "message": message,
    }


def _problem_frame(rows: list[dict]) -> pd.DataFrame:
    return (
        pd.DataFrame(rows, columns=PROBLEM_COLUMNS).astype("str")
        if rows
        else pd.DataFrame({c: pd.Series(dtype="str") for c in PROBLEM_COLUMNS})
    )


WINDOWED = {"history": "snapshot_date", "activities": "activity_date"}
"""Tables cut to a date window by ``load_dataset(since=...)``, and their date column."""


def _load(
    source: str | Path,
    *,
    preset: str | None,
    config: str | Path | dict | None,
    since: str | pd.Timestamp | None = None,
) -> tuple[SalesData | None, pd.DataFrame]:
    cfg = load_config(config) if not isinstance(config, dict) else load_config(config)
    data_cfg = cfg.get("data", {}) if isinstance(cfg.get("data", {}), dict) else {}
    src = str(source)
    secrets = secrets_of(cfg, src)
    shown = mask(mask_url(src), secrets)

    path = Path(src) if "://" not in src else None
    if path is not None and path.is_dir() and (path / SNAPSHOT_META).is_file():
        return read_snapshot(path), _problem_frame([])

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
    user_tables: dict[str, str] = data_cfg.get("tables", {}) or {}
    problems: list[dict] = []

    since_ts = None
    if since is not None and str(since).strip():
        try:
            since_ts = pd.Timestamp(str(since).strip()).normalize()
        except ValueError:
            raise ConfigError(f"since {since!r} is not a date; write it like 2024-01-01") from None
    windows = {}
    if since_ts is not None:
        for table, col in WINDOWED.items():
            mapped = {v: k for k, v in user_columns.get(table, {}).items()}.get(col, col)
            windows[table] = (mapped, since_ts)
    raw, derived_from_export = _read_source(
        src, shown, the_preset, user_columns, user_tables, data_cfg, windows
    )
    for table in windows:
        if table in raw and len(raw[table]) == 0:
            # nothing on or after `since`: the table is absent for this analysis, not broken
            del raw[table]
            problems.append(
                _problem(
                    "warning",
                    table,
                    WINDOWED[table],
                    [],
                    f"no rows on or after {since_ts:%Y-%m-%d}",
                )
            )
    if "opportunities" not in raw:
        raise SalesOpsDataError(
            f"no opportunities table found in {shown}: expected a file named opportunities.csv "
            "(or the export named by the preset), or a single CSV export of opportunities"
        )

    tables = {}
    for name in list(raw):  # pop as we go: only one copy of a large table is alive at a time
        tables[name] = _map_columns(name, raw.pop(name), the_preset, user_columns.get(name, {}))
    extra_warnings: list[dict] = []
    if the_preset is not None and the_preset.transform is not None:
        tables, extra_warnings = the_preset.transform(tables)
    for w in extra_warnings:
        problems.append(_problem("warning", w["table"], w["column"], w["ids"], w["message"]))

    if "reps" not in tables:
        tables["reps"] = _derive_reps(tables["opportunities"])
        msg = (
            "no reps table: reps were derived from the opportunities' owner columns "
            "(add a reps file for manager, team, region, hire date)"
        )
        problems.append(_problem("warning", "reps", "", [], msg))
    elif derived_from_export:
        pass

    # History runs to tens of millions of rows. Its (date, deal) pairs are checked in a
    # second thread while this one types the tables: Arrow, NumPy and DuckDB release the GIL.
    typed: dict[str, pd.DataFrame] = {}
    table_problems: dict[str, list[dict]] = {}
    table_order = [n for n in tables if n in schema.TABLES]
    keys_duplicated: dict[str, bool] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        pairs_job = None
        raw_history, raw_opps = tables.get("history"), tables.get("opportunities")
        if (
            raw_history is not None
            and raw_opps is not None
            and "opp_id" in raw_opps
            and {"snapshot_date", "opp_id"} <= set(raw_history.columns)
        ):  # started first: it is the longest job of the load
            pairs_job = pool.submit(
                _history_pairs_raw,
                raw_history["snapshot_date"],
                raw_history["opp_id"],
                raw_opps["opp_id"],
                whole_days="snapshot_date" in raw_history.attrs.get(WHOLE_DAYS, ()),
            )
        del raw_history, raw_opps
        for name in sorted(table_order, key=lambda n: n != "opportunities"):
            frame = tables.pop(name)
            table_problems[name] = []
            typed[name] = _coerce_table(
                schema.TABLES[name], frame, the_preset, table_problems[name]
            )
            del frame
            key = schema.TABLES[name].key
            if key and key in typed[name]:
                keys_duplicated[name] = has_duplicates(typed[name][key])
        if "opportunities" in typed:
            typed["opportunities"] = _normalise_stages(
                typed["opportunities"], stages, table_problems["opportunities"]
            )
            if not stages:  # no stage list configured: the deals' own stages name history's
                stages = _infer_stages(typed["opportunities"])
        if "history" in typed:
            typed["history"] = _normalise_history(
                typed["history"], stages, table_problems["history"]
            )
        for name in ("opportunities", "history"):
            if name in typed and "forecast_category" in typed[name]:
                typed[name]["forecast_category"] = _normalise_categories(
                    typed[name]["forecast_category"]
                )
        for name in table_order:
            problems.extend(table_problems[name])
        if any(p["severity"] == "error" and "missing" in p["message"] for p in problems):
            return None, _problem_frame(problems)
        _check(
            typed,
            stages,
            calendar,
            problems,
            keys_duplicated=keys_duplicated,
            history_pairs=pairs_job,  # may still be running: the other checks go first
        )
    problems_frame = _problem_frame(problems)
    if (problems_frame["severity"] == "error").any():
        return None, problems_frame
    warnings = problems_frame[problems_frame["severity"] == "warning"][
        schema.WARNINGS_COLUMNS
    ].reset_index(drop=True)
    data = SalesData(
        reps=typed["reps"],
        opportunities=typed["opportunities"],
        accounts=typed.get("accounts"),
        history=typed.get("history"),
        quotas=typed.get("quotas"),
        activities=typed.get("activities"),
        calendar=calendar,
        warnings=warnings,
        stages=stages,
        currency=str(fiscal.get("currency", data_cfg.get("currency", "USD"))),
        source=shown,
    )
    return data, problems_frame


def _read_source(
    src: str,
    shown: str,
    preset: Preset | None,
    user_columns: dict[str, dict[str, str]],
    user_tables: dict[str, str],
    data_cfg: dict[str, Any],
    windows: dict[str, tuple[str, pd.Timestamp]] | None = None,
) -> tuple[dict[str, pd.DataFrame], bool]:
    """Raw tables keyed by canonical table name (plus preset auxiliaries).

    ``windows`` maps a table to (source date column, first day): databases filter in the
    query, files after reading.
    """
    windows = windows or {}
    names = list(schema.TABLES) + (
        [t for t in preset.files if t not in schema.TABLES] if preset else []
    )
    if "://" in src:
        url = src
        if data_cfg.get("password") and "@" in url:
            import sqlalchemy as sa

            url = (
                sa.engine.make_url(url)
                .set(password=str(data_cfg["password"]))
                .render_as_string(hide_password=False)
            )
        refs = {n: user_tables.get(n, n) for n in names}
        return read_sql(url, refs, masked_url=shown, windows=windows), False
    path = Path(src)
    if not path.exists():
        raise SalesOpsDataError(
            f"data source {shown} does not exist; give a folder, a CSV file, a DuckDB file or a database URL"
        )
    if path.is_file() and path.suffix.lower() in (".duckdb", ".ddb", ".db"):
        refs = {n: user_tables.get(n, n) for n in names}
        return read_duckdb(path, refs, windows=windows), False
    if path.is_file():
        string_cols = (
            _string_labels(
                read_header(path), "opportunities", preset, user_columns.get("opportunities", {})
            )
            if path.suffix.lower() != ".parquet"
            else set()
        )
        return {"opportunities": read_table_file(path, string_columns=string_cols)}, True
    files = {
        p.stem.lower(): p
        for p in sorted(path.iterdir())
        if p.suffix.lower() in (".csv", ".parquet", ".txt")
    }
    out: dict[str, pd.DataFrame] = {}
    for name in names:
        stems: list[str] = []
        if name in user_tables:
            stems.append(Path(user_tables[name]).stem.lower())
        if preset is not None:
            stems.extend(s.lower() for s in preset.files.get(name, ()))
        stems.extend(schema.TABLE_FILE_ALIASES.get(name, (name,)))
        for stem in stems:
            if stem in files:
                p = files[stem]
                header = read_header(p) if p.suffix.lower() != ".parquet" else parquet_columns(p)
                user = user_columns.get(name, {})
                out[name] = read_table_file(
                    p,
                    string_columns=_string_labels(header, name, preset, user),
                    label_columns=_string_labels(header, name, preset, user, ("label",)),
                )
                break
    if not out:
        raise SalesOpsDataError(
            f"{shown}: no table files found; expected opportunities.csv (and reps.csv, ...) "
            "or the files a preset names"
        )
    for name, (col, first) in windows.items():
        frame = out.get(name)
        if frame is not None and col in frame.columns:
            dates = pd.to_datetime(frame[col], errors="coerce", format="mixed")
            out[name] = frame[~(dates < first)].reset_index(drop=True)
            out[name].attrs = dict(frame.attrs)
    return out, False


def _norm_label(label: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(label).strip().lower()).strip("_")


def _mapping(
    table: str, labels: list[str], preset: Preset | None, user: dict[str, str]
) -> list[tuple[str, str]]:
    """(source label, canonical column) pairs for one table, in priority order."""
    pairs: list[tuple[str, str]] = []
    taken: set[str] = set()
    present = {lab: lab for lab in labels}
    for src_label, canon in user.items():
        if src_label in present and canon not in taken:
            pairs.append((src_label, canon))
            taken.add(canon)
    if preset is not None:
        for canon, aliases in preset.columns.get(table, {}).items():
            if canon in taken:
                continue
            for alias in aliases:
                if alias in present:
                    pairs.append((alias, canon))
                    taken.add(canon)
                    break
    canon_cols = schema.TABLES[table].column_names if table in schema.TABLES else []
    used_sources = {s for s, _ in pairs}
    for lab in labels:
        key = _norm_label(lab)
        if key in canon_cols and key not in taken and lab not in used_sources:
            pairs.append((lab, key))
            taken.add(key)
    return pairs


def _string_labels(
    header: list[str],
    table: str,
    preset: Preset | None,
    user: dict[str, str],
    kinds: tuple[str, ...] = ("id", "text"),
) -> set[str]:
    """The source labels of ``header`` whose canonical columns are of one of ``kinds``."""
    if table not in schema.TABLES:
        return set(header) if "text" in kinds else set()
    kind_of = {c.name: c.kind for c in schema.TABLES[table].columns}
    out = set()
    for src_label, canon in _mapping(table, header, preset, user):
        if kind_of.get(canon, "text") in kinds:
            out.add(src_label)
    return out


def _map_columns(
    table: str, frame: pd.DataFrame, preset: Preset | None, user: dict[str, str]
) -> pd.DataFrame:
    labels = [str(c) for c in frame.columns]
    frame = frame.set_axis(labels, axis=1)
    pairs = _mapping(table, labels, preset, user)
    out = pd.DataFrame(index=frame.index)
    used = set()
    for src_label, canon in pairs:
        out[canon] = frame[src_label]
        used.add(src_label)
    for lab in labels:  # keep the export's other columns, under snake_case names
        key = _norm_label(lab) or "column"
        if lab not in used and key not in out.columns:
            out[key] = frame[lab]
    whole_days = set(map(str, frame.attrs.get(WHOLE_DAYS, ())))
    out.attrs[WHOLE_DAYS] = [canon for src, canon in pairs if src in whole_days]
    return out


def _derive_reps(opps: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("rep_id", "rep_name", "manager", "team", "region", "role") if c in opps]
    if "rep_id" not in cols:
        return pd.DataFrame({"rep_id": pd.Series(dtype="str")})
    reps = opps[cols].dropna(subset=["rep_id"]).drop_duplicates("rep_id").reset_index(drop=True)
    if "rep_name" not in reps:
        reps["rep_name"] = reps["rep_id"]
    return reps


def _coerce_table(
    table: schema.Table, frame: pd.DataFrame, preset: Preset | None, problems: list[dict]
) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    key = table.key or (table.columns[0].name)
    whole_days = set(frame.attrs.get(WHOLE_DAYS, ()))
    for col in table.columns:
        if col.name not in frame:
            if not col.required:
                out[col.name] = _empty(col.kind, len(frame))
            else:
                problems.append(
                    _problem(
                        "error",
                        table.name,
                        col.name,
                        [],
                        f"missing required column {col.name!r}; columns found: "
                        + ", ".join(list(map(str, frame.columns))[:12])
                        + " (map yours in salesops.toml [data.columns."
                        + table.name
                        + "] or choose a preset)",
                    )
                )
            continue
        raw = frame[col.name]
        if col.kind in ("id", "text"):
            out[col.name] = to_text(raw)
            continue
        if col.kind == "label":
            out[col.name] = to_label(raw)
            continue
        if col.kind == "date":
            val, bad = to_date(raw, whole_days=col.name in whole_days)
            what = "unparseable date"
        elif col.kind == "money" or col.kind == "number":
            val, bad = to_money(raw)
            what = "unparseable number"
        elif col.kind == "bool":
            val, bad = to_bool(raw)
            what = "not true/false"
        elif col.kind == "prob":
            val, bad, _ = to_probability(
                raw, percent=preset.probability_percent if preset else None
            )
            what = "unparseable probability"
        else:  # pragma: no cover - schema kinds are fixed
            raise AssertionError(col.kind)
        out[col.name] = val
        if bad.any():
            ids = _ids(frame, key, bad)
            examples = ", ".join(repr(str(v))[:40] for v in raw[bad].head(3))
            problems.append(
                _problem(
                    "error",
                    table.name,
                    col.name,
                    ids,
                    f"{int(bad.sum()):,} cell(s) with {what}, e.g. {examples}",
                )
            )
    for c in frame.columns:  # extra columns ride along as text
        if c not in out.columns:
            ser = frame[c]
            out[c] = (
                ser
                if pd.api.types.is_numeric_dtype(ser) or pd.api.types.is_datetime64_any_dtype(ser)
                else to_text(ser)
            )
    return out.reset_index(drop=True)


def _empty(kind: str, n: int) -> pd.Series:
    dtype = {
        "date": "datetime64[ns]",
        "money": "float64",
        "number": "float64",
        "prob": "float64",
        "bool": "boolean",
        "label": "category",
    }.get(kind, "str")
    return pd.Series([None] * n, dtype=dtype)


def _ids(frame: pd.DataFrame, key: str, mask_: pd.Series) -> list[str]:
    if key in frame:
        return [str(v) for v in frame.loc[mask_, key].head(5)]
    return [f"row {i + 2}" for i in np.flatnonzero(mask_.to_numpy())[:5]]


def _stage_lookup(stages: tuple[Stage, ...]) -> dict[str, Stage]:
    return {_stage_key(s.name): s for s in stages}


def _stage_key(name: object) -> str:
    return re.sub(r"\s+", " ", str(name).strip().lower())


def _distinct(values: pd.Series) -> list[Any]:
    """The distinct non-missing values of a column (one Arrow hash pass, no codes)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = pa.array(values.cat.codes.to_numpy())  # a few codes: one Arrow hash pass
        seen = np.sort(pc.unique(codes).to_numpy(zero_copy_only=False))
        return list(values.cat.categories[seen[seen >= 0]])
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        return [v for v in pc.unique(pa.array(values)).to_pylist() if v is not None]
    return list(pd.unique(values.dropna()))


def _apply_flags(
    frame: pd.DataFrame, flags: Mapping[str, Mapping[Any, bool | None]], *, nullable: bool
) -> pd.DataFrame:
    """Fill ``is_closed``/``is_won`` from each stage's meaning where the source left them blank.

    Complete columns are kept as they are (as nullable booleans when ``nullable``).
    """
    for col, by_stage in flags.items():
        given = frame[col] if col in frame else None
        if given is not None and not given.isna().any():
            if nullable:
                frame[col] = given.astype("boolean")
            continue
        derived = map_values(frame["stage"], lambda v, m=by_stage: m.get(v)).astype("boolean")
        frame[col] = derived if given is None else given.astype("boolean").fillna(derived)
    return frame


def _normalise_stages(
    opps: pd.DataFrame, stages: tuple[Stage, ...], problems: list[dict]
) -> pd.DataFrame:
    """Stage names as configured, and closed/won flags from each stage's meaning."""
    opps = opps.copy(deep=False)
    if "stage" not in opps:
        return opps
    lookup = _stage_lookup(stages)
    distinct = _distinct(opps["stage"])
    keys = {v: _stage_key(v) for v in distinct}
    if lookup:
        names = {v: lookup[k].name for v, k in keys.items() if k in lookup}
        if any(n != v for v, n in names.items()):
            opps["stage"] = map_values(opps["stage"], lambda v: names.get(v, v)).astype("str")
        strange = [v for v in distinct if v not in names]
        closed = {v: lookup[keys[v]].closed for v in names}
        won = {v: lookup[keys[v]].won for v in names}
        if strange:
            unknown = opps["stage"].isin(strange)
            shown = ", ".join(sorted(map(str, strange))[:5])
            flags_given = "is_closed" in opps and opps.loc[unknown, "is_closed"].notna().all()
            sev = "warning" if flags_given else "error"
            problems.append(
                _problem(
                    sev,
                    "opportunities",
                    "stage",
                    opps.loc[unknown, "opp_id"],
                    f"{int(unknown.sum()):,} deal(s) in stages not in the configured stage list: {shown}; "
                    "add them to [[stages]] in salesops.toml with their closed/won meaning",
                )
            )
    else:
        closed = {v: any(w in k for w in ("won", "lost", "closed")) for v, k in keys.items()}
        won = {v: "won" in k and "not won" not in k for v, k in keys.items()}
    return _apply_flags(opps, {"is_closed": closed, "is_won": won}, nullable=True)


def _normalise_history(
    hist: pd.DataFrame, stages: tuple[Stage, ...], problems: list[dict]
) -> pd.DataFrame:
    """History stage names as configured; blank closed/won flags from the stage's meaning."""
    hist = hist.copy(deep=False)
    lookup = _stage_lookup(stages)
    if "stage" not in hist or not lookup:
        return hist
    keys = {v: _stage_key(v) for v in _distinct(hist["stage"])}
    names = {v: lookup[k].name for v, k in keys.items() if k in lookup}
    if any(n != v for v, n in names.items()):
        hist["stage"] = map_labels(hist["stage"], lambda v: names.get(v, v))
    flags = {
        col: {v: getattr(lookup[keys[v]], attr) for v in names}
        for col, attr in (("is_closed", "closed"), ("is_won", "won"))
    }
    return _apply_flags(hist, flags, nullable=False)


def _normalise_categories(cat: pd.Series) -> pd.Series:
    """Forecast category names spelled the standard way (``commit`` -> ``Commit``)."""
    names = {v: _FORECAST_CATEGORY_NAMES.get(str(v).strip().lower(), v) for v in _distinct(cat)}
    if isinstance(cat.dtype, pd.CategoricalDtype):
        if all(n == v for v, n in names.items()):
            return cat
        return map_labels(cat, lambda v: names.get(v, v))
    if all(n == v for v, n in names.items()) and pd.api.types.is_string_dtype(cat):
        return cat
    out = map_values(cat, lambda v: names.get(v, v))
    return out.astype("str").where(cat.notna())


def _infer_stages(opps: pd.DataFrame) -> tuple[Stage, ...]:
    """Stage order from the data when none is configured: open stages by typical age, then closed."""
    if "stage" not in opps or opps.empty:
        return ()
    g = opps.groupby("stage", observed=True).agg(closed=("is_closed", "max"), won=("is_won", "max"))
    open_stages = [s for s in g.index if not bool(g.loc[s, "closed"])]
    closed = [s for s in g.index if bool(g.loc[s, "closed"])]
    closed.sort(key=lambda s: not bool(g.loc[s, "won"]))
    return tuple(Stage(str(s)) for s in sorted(open_stages)) + tuple(
        Stage(str(s), closed=True, won=bool(g.loc[s, "won"])) for s in closed
    )


def _history_pairs_raw(
    snapshot_date: pd.Series, opp_id: pd.Series, opp_ids: pd.Series, *, whole_days: bool
) -> dict[str, Any]:
    """:func:`_history_pairs` on the raw columns of history and opportunities (typed here the
    way loading types them, so it can start before the tables are typed)."""
    dates, _ = to_date(snapshot_date, whole_days=whole_days)  # times of day dropped
    return _history_pairs(
        pd.DataFrame({"snapshot_date": dates, "opp_id": to_text(opp_id)}), to_text(opp_ids)
    )


def _history_pairs(hist: pd.DataFrame, opp_ids: pd.Series) -> dict[str, Any]:
    """Snapshot rows of deals missing from opportunities, and (date, deal) pairs given twice.

    Each row's deal is looked up once (:func:`fast.deal_codes`); deals missing from
    ``opp_ids`` get codes after them and blanks one code of their own, so one integer
    sort finds the repeats.
    """
    codes, ids = deal_codes(hist["opp_id"], opp_ids)
    orphan_rows = codes >= len(opp_ids)
    orphan_rows |= codes < 0  # a blank id is in no table either
    blank = len(ids)
    repeats, repeated = duplicate_pairs(hist["snapshot_date"], np.where(codes < 0, blank, codes))

    def name(code: int) -> str:
        return str(ids[code]) if code < blank else "(blank)"

    return {
        "orphan_rows": orphan_rows,
        "repeats": repeats,
        "repeated_ids": [name(int(c)) for c in repeated],
    }


def _check(
    typed: dict[str, pd.DataFrame],
    stages: tuple[Stage, ...],
    calendar: FiscalCalendar,
    problems: list[dict],
    *,
    keys_duplicated: dict[str, bool] | None = None,
    history_pairs: dict[str, Any] | Future | None = None,
) -> None:
    """Cross-table and business-rule checks.

    ``keys_duplicated`` and ``history_pairs`` are results already computed while loading
    (the expensive parts; ``history_pairs`` may be a Future still running in another
    thread, awaited only when its check comes); missing ones are computed here.
    """
    keys_duplicated = keys_duplicated or {}
    opps = typed["opportunities"]
    reps = typed["reps"]

    for name, frame in typed.items():
        table = schema.TABLES[name]
        if frame.empty:
            problems.append(_problem("error", name, "", [], "the table has no rows"))
            continue
        if table.key and table.key in frame:
            ids = frame[table.key]
            blank = ids.isna()
            if blank.any():
                problems.append(
                    _problem(
                        "error",
                        name,
                        table.key,
                        [f"row {i + 2}" for i in np.flatnonzero(blank.to_numpy())[:5]],
                        f"{int(blank.sum()):,} row(s) with a blank {table.key}",
                    )
                )
            duplicated = keys_duplicated.get(name)
            dup = (
                ids.duplicated(keep=False) & ~blank
                if (has_duplicates(ids) if duplicated is None else duplicated)
                else pd.Series(False, index=ids.index)
            )
            if dup.any():
                problems.append(
                    _problem(
                        "error",
                        name,
                        table.key,
                        ids[dup].drop_duplicates(),
                        f"{int(ids[dup].nunique()):,} duplicate {table.key} value(s); each must be unique",
                    )
                )
        for col in table.columns:
            if col.name in frame and not col.nullable and col.name != table.key:
                blank = frame[col.name].isna()
                if blank.any():
                    key = table.key or col.name
                    problems.append(
                        _problem(
                            "error",
                            name,
                            col.name,
                            _ids(frame, key, blank),
                            f"{int(blank.sum()):,} blank cell(s); this column must be filled",
                        )
                    )
        for col in table.columns:
            if col.kind == "money" and col.name in frame:
                neg = frame[col.name] < 0
                if neg.any():
                    problems.append(
                        _problem(
                            "error",
                            name,
                            col.name,
                            _ids(frame, table.key or col.name, neg),
                            f"{int(neg.sum()):,} negative amount(s); amounts must be zero or more",
                        )
                    )

    if {"rep_id"} <= set(opps) and "rep_id" in reps:
        unknown = opps["rep_id"].notna() & ~isin(opps["rep_id"], reps["rep_id"])
        if unknown.any():
            missing = opps.loc[unknown, "rep_id"].drop_duplicates()
            problems.append(
                _problem(
                    "error",
                    "opportunities",
                    "rep_id",
                    missing,
                    f"{int(unknown.sum()):,} deal(s) owned by {len(missing):,} rep(s) missing from the reps table; add them to reps",
                )
            )
    if {"is_won", "is_closed"} <= set(opps):
        bad = opps["is_won"].fillna(False).astype(bool) & ~opps["is_closed"].fillna(False).astype(
            bool
        )
        if bad.any():
            problems.append(
                _problem(
                    "error",
                    "opportunities",
                    "is_won",
                    opps.loc[bad, "opp_id"],
                    f"{int(bad.sum()):,} deal(s) won but not closed",
                )
            )
        closed = opps["is_closed"].fillna(False).astype(bool)
        won = opps["is_won"].fillna(False).astype(bool)
        if "close_date" in opps:
            nodate = closed & opps["close_date"].isna()
            if nodate.any():
                problems.append(
                    _problem(
                        "error",
                        "opportunities",
                        "close_date",
                        opps.loc[nodate, "opp_id"],
                        f"{int(nodate.sum()):,} closed deal(s) without a close date",
                    )
                )
        if "amount" in opps:
            noamt = won & opps["amount"].isna()
            if noamt.any():
                problems.append(
                    _problem(
                        "error",
                        "opportunities",
                        "amount",
                        opps.loc[noamt, "opp_id"],
                        f"{int(noamt.sum()):,} won deal(s) without an amount",
                    )
                )
            open_noamt = ~closed & opps["amount"].isna()
            if open_noamt.any():
                problems.append(
                    _problem(
                        "warning",
                        "opportunities",
                        "amount",
                        opps.loc[open_noamt, "opp_id"],
                        f"{int(open_noamt.sum()):,} open deal(s) without an amount (counted as 0 in pipeline)",
                    )
                )
    if {"created_date", "close_date"} <= set(opps):
        before = opps["close_date"] < opps["created_date"]
        if before.any():
            problems.append(
                _problem(
                    "error",
                    "opportunities",
                    "close_date",
                    opps.loc[before, "opp_id"],
                    f"{int(before.sum()):,} deal(s) close before they were created",
                )
            )
        noclose = opps["close_date"].isna() & ~opps["is_closed"].fillna(False).astype(bool)
        if noclose.any():
            problems.append(
                _problem(
                    "warning",
                    "opportunities",
                    "close_date",
                    opps.loc[noclose, "opp_id"],
                    f"{int(noclose.sum()):,} open deal(s) without an expected close date (left out of quarter pipeline)",
                )
            )
        nocreated = opps["created_date"].isna()
        if nocreated.any():
            problems.append(
                _problem(
                    "warning",
                    "opportunities",
                    "created_date",
                    opps.loc[nocreated, "opp_id"],
                    f"{int(nocreated.sum()):,} deal(s) without a created date (left out of cycle times and pipeline created)",
                )
            )
    if "account_id" in opps:
        blank = opps["account_id"].isna()
        if blank.any():
            problems.append(
                _problem(
                    "warning",
                    "opportunities",
                    "account_id",
                    opps.loc[blank, "opp_id"],
                    f"{int(blank.sum()):,} deal(s) with a blank account",
                )
            )
        accts = typed.get("accounts")
        if accts is not None and "account_id" in accts:
            orphan = ~blank & ~isin(opps["account_id"], accts["account_id"])
            if orphan.any():
                problems.append(
                    _problem(
                        "warning",
                        "opportunities",
                        "account_id",
                        opps.loc[orphan, "opp_id"],
                        f"{int(orphan.sum()):,} deal(s) of accounts missing from the accounts table",
                    )
                )
    if {"is_closed", "close_date"} <= set(opps) and not opps.empty:
        cands = [opps["created_date"].max()]
        hist = typed.get("history")
        if hist is not None and "snapshot_date" in hist and len(hist):
            cands.append(hist["snapshot_date"].max())
        closed = opps["is_closed"].fillna(False).astype(bool)
        cands.append(opps.loc[closed, "close_date"].max())
        cands = [c for c in cands if pd.notna(c)]
        if cands:
            last = max(cands)
            past = ~closed & (opps["close_date"] < last)
            if past.any():
                problems.append(
                    _problem(
                        "warning",
                        "opportunities",
                        "close_date",
                        opps.loc[past, "opp_id"],
                        f"{int(past.sum()):,} open deal(s) with a close date already past ({pd.Timestamp(last).date()} is the data's last date)",
                    )
                )
    if "probability" in opps and {"is_closed", "is_won"} <= set(opps):
        p = opps["probability"]
        closed = opps["is_closed"].fillna(False).astype(bool)
        won = opps["is_won"].fillna(False).astype(bool)
        odd = p.notna() & (
            (won & (p < 1))
            | (closed & ~won & (p > 0))
            | (~closed & ((p <= 0) | (p >= 1)))
            | (p < 0)
            | (p > 1)
        )
        if odd.any():
            problems.append(
                _problem(
                    "warning",
                    "opportunities",
                    "probability",
                    opps.loc[odd, "opp_id"],
                    f"{int(odd.sum()):,} deal(s) whose probability is at odds with the stage (won below 100%, lost above 0%, open at 0% or 100%)",
                )
            )
    hist = typed.get("history")
    if hist is not None and {"snapshot_date", "opp_id"} <= set(hist):
        given: dict[str, Any] | None = (
            history_pairs.result() if isinstance(history_pairs, Future) else history_pairs
        )
        pairs = given or _history_pairs(hist, opps["opp_id"])
        orphan_rows = pairs["orphan_rows"]
        if pairs["repeats"]:
            problems.append(
                _problem(
                    "error",
                    "history",
                    "opp_id",
                    pairs["repeated_ids"],
                    f"{pairs['repeats']:,} deal(s) appear twice in the same snapshot",
                )
            )
        orphan = pd.Series(orphan_rows, index=hist.index)
        if orphan.any():
            problems.append(
                _problem(
                    "warning",
                    "history",
                    "opp_id",
                    hist.loc[orphan, "opp_id"].drop_duplicates(),
                    f"{int(orphan.sum()):,} snapshot row(s) of deals missing from opportunities",
                )
            )
    quotas = typed.get("quotas")
    if quotas is not None and {"rep_id", "period"} <= set(quotas):
        labels = (
            quotas["period"]
            .astype("str")
            .str.strip()
            .str.upper()
            .str.replace(r"[\s-]", "", regex=True)
        )
        ok = labels.str.fullmatch(r"\d{4}Q[1-4]")
        if (~ok).any():
            problems.append(
                _problem(
                    "error",
                    "quotas",
                    "period",
                    quotas.loc[~ok, "period"],
                    "period must be a fiscal quarter label like 2026Q3",
                )
            )
        quotas["period"] = labels
        dup = quotas.duplicated(["rep_id", "period"])
        if dup.any():
            problems.append(
                _problem(
                    "error",
                    "quotas",
                    "rep_id",
                    quotas.loc[dup, "rep_id"],
                    f"{int(dup.sum()):,} rep(s) with two quotas for the same period",
                )
            )
        unknown = ~isin(quotas["rep_id"], reps["rep_id"])
        if unknown.any():
            problems.append(
                _problem(
                    "warning",
                    "quotas",
                    "rep_id",
                    quotas.loc[unknown, "rep_id"],
                    f"{int(unknown.sum()):,} quota row(s) of reps missing from the reps table",
                )
            )
    acts = typed.get("activities")
    if acts is not None and "rep_id" in acts:
        unknown = ~isin(acts["rep_id"], reps["rep_id"])
        if unknown.any():
            problems.append(
                _problem(
                    "warning",
                    "activities",
                    "rep_id",
                    acts.loc[unknown, "rep_id"].drop_duplicates(),
                    f"{int(unknown.sum()):,} activities of reps missing from the reps table",
                )
            )


# ----------------------------------------------------------------------------------------
# snapshots


def write_snapshot(data: SalesData, folder: str | Path) -> Path:
    """Freeze validated data to Parquet files plus a metadata file.

    The snapshot loads back with :func:`load_dataset` without re-validation. Nothing secret
    is written: the source is stored with its password masked.
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
    """Read a snapshot written by :func:`write_snapshot`."""
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
