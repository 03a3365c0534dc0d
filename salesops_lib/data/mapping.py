"""Column mapping: which source column feeds which canonical column.

A source label maps onto a canonical column by, in priority order, the config's
``[data.columns.<table>]`` table, the preset's aliases (first label present wins), and its
own name in snake_case (``Close Date`` -> ``close_date``). Columns nothing claims ride
along under their snake_case names.

The config's table takes four forms of entry (see :func:`user_mapping`)::

    [data.columns.opportunities]
    "Deal Ref" = "opp_id"                                   # one column, one field
    "Owner" = ["rep_id", "rep_name"]                        # one column, several fields
    stage = {value = "Closed Won"}                          # a constant
    rep_id = {column = "Owner", default = "Unassigned"}     # a default for blank cells
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from salesops_lib import schema
from salesops_lib.data.io import WHOLE_DAYS
from salesops_lib.data.presets import SOURCE_LABELS, Preset
from salesops_lib.errors import ConfigError


@dataclass(frozen=True)
class UserMapping:
    """One table's ``[data.columns.<table>]``, read.

    Parameters
    ----------
    pairs
        (source label, canonical column), in the config's order; one label may appear in
        several pairs.
    constants
        Canonical column -> the value every row gets (no source column needed).
    defaults
        Canonical column -> the value its blank cells get (every row's, when no source
        column feeds it).
    """

    pairs: tuple[tuple[str, str], ...] = ()
    constants: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)


def user_mapping(table: str, spec: dict[str, Any] | None) -> UserMapping:
    """Read one table's ``[data.columns.<table>]`` entries.

    Parameters
    ----------
    table
        The canonical table (named in errors).
    spec
        The config's table: ``"Label" = "canonical"``, ``"Label" = ["canonical", ...]``,
        ``canonical = {value = ...}`` (a constant) or
        ``canonical = {column = "Label", default = ...}`` (``column`` optional: then the
        default fills whatever column the preset or the name maps).

    Returns
    -------
    UserMapping

    Raises
    ------
    ConfigError
        For an entry of another form, or an inline table with keys other than ``value``,
        ``column`` and ``default``.

    Examples
    --------
    >>> m = user_mapping("opportunities", {"Owner": ["rep_id", "rep_name"],
    ...                  "stage": {"value": "Closed Won"}, "amount": {"default": 0}})
    >>> m.pairs, m.constants, m.defaults
    ((('Owner', 'rep_id'), ('Owner', 'rep_name')), {'stage': 'Closed Won'}, {'amount': 0})
    """
    pairs: list[tuple[str, str]] = []
    constants: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    where = f"[data.columns.{table}]"
    for key, val in (spec or {}).items():
        if isinstance(val, str):
            pairs.append((str(key), val))
        elif isinstance(val, list) and val and all(isinstance(v, str) for v in val):
            pairs.extend((str(key), v) for v in val)
        elif isinstance(val, dict):
            unknown = set(val) - {"value", "column", "default"}
            if unknown or not val or ("value" in val and len(val) > 1):
                raise ConfigError(
                    f"{where} {key}: write {{value = ...}} for a constant or "
                    f'{{column = "Label", default = ...}} for a default, got {val!r}'
                )
            if "value" in val:
                constants[str(key)] = val["value"]
                continue
            if "column" in val:
                pairs.append((str(val["column"]), str(key)))
            if "default" in val:
                defaults[str(key)] = val["default"]
        else:
            raise ConfigError(
                f"{where} {key!r} = {val!r}: map a source column to a canonical name "
                '("Deal Ref" = "opp_id"), to several (["rep_id", "rep_name"]), or give '
                "{value = ...} or {column = ..., default = ...}"
            )
    return UserMapping(tuple(pairs), constants, defaults)


REP_COLUMNS = ("rep_id", "rep_name", "manager", "team", "region", "role")
"""The columns of opportunities a reps table is derived from when there is none."""


def norm_label(label: str) -> str:
    """A column label in snake_case: lower case, each run of other characters one ``_``.

    Parameters
    ----------
    label
        A source column label.

    Returns
    -------
    str
        ``""`` for a label of nothing but punctuation.

    Examples
    --------
    >>> norm_label(" Close Date (UTC) ")
    'close_date_utc'
    """
    return re.sub(r"[^0-9a-z]+", "_", str(label).strip().lower()).strip("_")


def column_pairs(
    table: str, labels: list[str], preset: Preset | None, user: dict[str, Any]
) -> list[tuple[str, str]]:
    """The (source label, canonical column) pairs of one table, in priority order.

    Parameters
    ----------
    table
        Canonical table name (or a preset's auxiliary table, which has no canonical columns).
    labels
        The source's column labels.
    preset
        The preset whose aliases apply, if any.
    user
        The config's mapping for this table (see :func:`user_mapping`).

    Returns
    -------
    list of (str, str)
        Each canonical column at most once; none that the config sets to a constant. One
        source label may feed several canonical columns, through the config or the preset
        (``Owner.Name`` is both rep_id and rep_name).

    Examples
    --------
    >>> column_pairs("quotas", ["Rep", "Period", "Quota"], None, {"Rep": "rep_id"})
    [('Rep', 'rep_id'), ('Period', 'period'), ('Quota', 'quota')]
    """
    mapped = user_mapping(table, user)
    pairs: list[tuple[str, str]] = []
    taken: set[str] = set(mapped.constants)
    present = {lab: lab for lab in labels}
    for src_label, canon in mapped.pairs:
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
        key = norm_label(lab)
        if key in canon_cols and key not in taken and lab not in used_sources:
            pairs.append((lab, key))
            taken.add(key)
    return pairs


def string_labels(
    header: list[str],
    table: str,
    preset: Preset | None,
    user: dict[str, Any],
    kinds: tuple[str, ...] = ("id", "text"),
) -> set[str]:
    """The source labels of ``header`` whose canonical columns are of one of ``kinds``.

    The readers read these columns as text (ids such as ``007`` stay text) or, for
    ``kinds=("label",)``, as dictionary-encoded labels.

    Parameters
    ----------
    header
        The source's column labels.
    table, preset, user
        As for :func:`column_pairs`.
    kinds
        Schema column kinds (see :mod:`salesops_lib.schema`).

    Returns
    -------
    set of str
        For a table outside the schema: every label when ``"text"`` is among ``kinds``,
        else none.
    """
    if table not in schema.TABLES:
        return set(header) if "text" in kinds else set()
    kind_of = {c.name: c.kind for c in schema.TABLES[table].columns}
    out = set()
    for src_label, canon in column_pairs(table, header, preset, user):
        if kind_of.get(canon, "text") in kinds:
            out.add(src_label)
    return out


def map_columns(
    table: str, frame: pd.DataFrame, preset: Preset | None, user: dict[str, Any]
) -> pd.DataFrame:
    """A raw table with its columns renamed to the canonical names.

    Parameters
    ----------
    table
        Canonical table name.
    frame
        The table as read; ``attrs[WHOLE_DAYS]`` lists its columns read from a date type.
    preset, user
        As for :func:`column_pairs`.

    Returns
    -------
    pandas.DataFrame
        The mapped columns first (with the config's constants, and its defaults in blank
        cells), then the source's other columns under their snake_case names (a name
        already taken is dropped); ``attrs[WHOLE_DAYS]`` lists the canonical names of the
        whole-day columns, ``attrs[SOURCE_LABELS]`` maps each kept column's snake_case name
        to the export's label. The input is not changed.

    Examples
    --------
    >>> raw = pd.DataFrame({"Deal Ref": ["o1"], "Region Name": ["East"]})
    >>> list(map_columns("opportunities", raw, None, {"Deal Ref": "opp_id"}).columns)
    ['opp_id', 'region_name']
    """
    labels = [str(c) for c in frame.columns]
    frame = frame.set_axis(labels, axis=1)
    pairs = column_pairs(table, labels, preset, user)
    out = pd.DataFrame(index=frame.index)
    used = set()
    for src_label, canon in pairs:
        out[canon] = frame[src_label]
        used.add(src_label)
    mapped = user_mapping(table, user)
    for canon, value in mapped.constants.items():
        out[canon] = pd.Series([value] * len(frame), index=frame.index, dtype=_dtype_of(value))
    for canon, value in mapped.defaults.items():
        out[canon] = with_default(out[canon] if canon in out else None, value, frame.index)
    kept = {}
    for lab in labels:  # keep the export's other columns, under snake_case names
        key = norm_label(lab) or "column"
        if lab not in used and key not in out.columns:
            out[key] = frame[lab]
            kept[key] = lab
    out.attrs[SOURCE_LABELS] = kept  # a preset's repair may read the export's own labels
    whole_days = set(map(str, frame.attrs.get(WHOLE_DAYS, ())))
    out.attrs[WHOLE_DAYS] = [canon for src, canon in pairs if src in whole_days]
    return out


def derive_reps(opps: pd.DataFrame) -> pd.DataFrame:
    """A reps table from the owner columns of mapped opportunities (one row per rep_id).

    Parameters
    ----------
    opps
        Mapped opportunities; any of :data:`REP_COLUMNS` present are used.

    Returns
    -------
    pandas.DataFrame
        The first row of each rep, ``rep_name`` defaulting to the rep_id; a frame with an
        empty ``rep_id`` column when opportunities have none.

    Examples
    --------
    >>> opps = pd.DataFrame({"rep_id": ["r1", "r1", None, "r2"], "team": ["E", "E", "W", "W"]})
    >>> derive_reps(opps)["rep_name"].tolist()
    ['r1', 'r2']
    """
    cols = [c for c in REP_COLUMNS if c in opps]
    if "rep_id" not in cols:
        return pd.DataFrame({"rep_id": pd.Series(dtype="str")})
    reps = opps[cols].dropna(subset=["rep_id"]).drop_duplicates("rep_id").reset_index(drop=True)
    if "rep_name" not in reps:
        reps["rep_name"] = reps["rep_id"]
    return reps


def _dtype_of(value: Any) -> str | None:
    """The dtype a constant column of ``value`` takes (text for text, else inferred)."""
    return "str" if isinstance(value, str) else None


def with_default(column: pd.Series | None, value: Any, index: pd.Index) -> pd.Series:
    """A raw column with its blank cells (missing, or only spaces) set to ``value``.

    Parameters
    ----------
    column
        The column as read, or None when no source column feeds it (every cell is blank).
    value
        The default.
    index
        The table's index (for a column that is None).

    Returns
    -------
    pandas.Series
        A new column; text when ``value`` is text (a categorical is read as its labels).

    Examples
    --------
    >>> with_default(pd.Series(["Ann", None, " "]), "Unassigned", pd.RangeIndex(3)).tolist()
    ['Ann', 'Unassigned', 'Unassigned']
    """
    if column is None:
        return pd.Series([value] * len(index), index=index, dtype=_dtype_of(value))
    if isinstance(column.dtype, pd.CategoricalDtype) or isinstance(value, str):
        column = column.astype("str").where(column.notna())
    blank = column.isna()
    if pd.api.types.is_string_dtype(column):
        blank |= column.str.strip().eq("").fillna(False).astype(bool)
    if pd.api.types.is_datetime64_any_dtype(column) and not isinstance(value, pd.Timestamp):
        value = pd.Timestamp(value)
    return column.mask(blank, value)


def mapping_rows(
    table: str, labels: list[str], preset: Preset | None, user: dict[str, Any]
) -> list[dict[str, str]]:
    """What the mapping of one table did: each canonical column's source, and each unmapped label.

    ``salesops validate`` prints these rows, so a user sees which export column feeds which
    field and which columns nothing reads.

    Parameters
    ----------
    table, labels, preset, user
        As for :func:`column_pairs`.

    Returns
    -------
    list of dict
        ``table``, ``source`` (the source label, a constant's value as ``= value``, or
        blank), ``column`` (the canonical column, blank for an unmapped label) and ``rule``:
        ``config``, ``preset``, ``name`` (matched by its own name), ``constant``,
        ``default`` (the value for blank cells, as ``default X``) or ``unmapped``
        (kept under its snake_case name, read by no report).

    Examples
    --------
    >>> rows = mapping_rows("quotas", ["Rep", "quota", "Notes"], None, {"Rep": "rep_id"})
    >>> [(r["source"], r["column"], r["rule"]) for r in rows]
    [('Rep', 'rep_id', 'config'), ('quota', 'quota', 'name'), ('Notes', '', 'unmapped')]
    """
    mapped = user_mapping(table, user)
    from_user = set(mapped.pairs)
    from_preset = {
        (a, canon)
        for canon, aliases in (preset.columns.get(table, {}) if preset else {}).items()
        for a in aliases
    }
    rows = []
    used = set()
    for src, canon in column_pairs(table, labels, preset, user):
        rule = (
            "config"
            if (src, canon) in from_user
            else "preset"
            if (src, canon) in from_preset
            else "name"
        )
        default = mapped.defaults.get(canon)
        rows.append(
            {
                "table": table,
                "source": src,
                "column": canon,
                "rule": rule + (f", default {default!r}" if canon in mapped.defaults else ""),
            }
        )
        used.add(src)
    for canon, value in mapped.constants.items():
        rows.append({"table": table, "source": f"= {value!r}", "column": canon, "rule": "constant"})
    fed = {r["column"] for r in rows}
    for canon, value in mapped.defaults.items():
        if canon not in fed:
            rows.append(
                {"table": table, "source": "", "column": canon, "rule": f"default {value!r}"}
            )
    rows.extend(
        {"table": table, "source": lab, "column": "", "rule": "unmapped"}
        for lab in labels
        if lab not in used
    )
    return rows
