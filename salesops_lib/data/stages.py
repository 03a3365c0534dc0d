"""Stage and forecast-category normalisation of typed tables.

Stage names are matched to the configured stages regardless of case and spacing and spelled
as configured; blank ``is_closed``/``is_won`` flags are filled from each stage's meaning;
forecast categories are spelled the standard way (``commit`` -> ``Commit``). Without a
configured stage list, :func:`infer_stages` orders the deals' own stages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from salesops_lib.data.coerce import map_labels, map_values
from salesops_lib.data.presets import Stage
from salesops_lib.data.problems import problem

FORECAST_CATEGORY_NAMES = {
    "pipeline": "Pipeline",
    "best case": "Best Case",
    "bestcase": "Best Case",
    "upside": "Best Case",
    "commit": "Commit",
    "forecast": "Commit",  # Salesforce's API value of Commit (OpportunityHistory.ForecastCategory)
    "closed": "Closed",
    "closed won": "Closed",
    "omitted": "Omitted",
    "omit": "Omitted",
    "not forecasted": "Omitted",
}
"""Forecast category spellings (lower case, trimmed) -> the standard name."""


def stage_key(name: object) -> str:
    """How stage names are compared: trimmed, lower case, runs of spaces as one.

    Parameters
    ----------
    name
        A stage name as the data or the config spells it.

    Returns
    -------
    str

    Examples
    --------
    >>> stage_key("  Closed   WON ")
    'closed won'
    """
    return re.sub(r"\s+", " ", str(name).strip().lower())


def _stage_lookup(stages: tuple[Stage, ...]) -> dict[str, Stage]:
    return {stage_key(s.name): s for s in stages}


def _distinct(values: pd.Series) -> list[Any]:
    """The distinct non-missing values of a column (one Arrow hash pass, no codes)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = pa.array(values.cat.codes.to_numpy())  # a few codes: one Arrow hash pass
        seen = np.sort(pc.unique(codes).to_numpy(zero_copy_only=False))
        return list(values.cat.categories[seen[seen >= 0]])
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        return [v for v in pc.unique(pa.array(values)).to_pylist() if v is not None]
    return list(pd.unique(values.dropna()))


def apply_flags(
    frame: pd.DataFrame, flags: Mapping[str, Mapping[Any, bool | None]], *, nullable: bool
) -> pd.DataFrame:
    """Fill ``is_closed``/``is_won`` from each stage's meaning where the source left them blank.

    Parameters
    ----------
    frame
        A table with a ``stage`` column; it is changed in place (pass a shallow copy) and
        returned.
    flags
        Flag column -> {stage value -> its meaning}; stages not listed give missing.
    nullable
        Keep a complete flag column too as a nullable ``boolean`` column.

    Returns
    -------
    pandas.DataFrame
        ``frame``, each flag column of dtype ``boolean`` unless it was complete and
        ``nullable`` is false (then it is kept as it is).

    Examples
    --------
    >>> frame = pd.DataFrame({"stage": ["Won", "Open"], "is_closed": [None, False]})
    >>> apply_flags(frame, {"is_closed": {"Won": True, "Open": False}}, nullable=True)[
    ...     "is_closed"
    ... ].tolist()
    [True, False]
    """
    for col, by_stage in flags.items():
        given = frame[col] if col in frame else None
        if given is not None and not given.isna().any():
            if nullable:
                frame[col] = given.astype("boolean")
            continue
        derived = map_values(frame["stage"], by_stage.get).astype("boolean")
        frame[col] = derived if given is None else given.astype("boolean").fillna(derived)
    return frame


def normalise_stages(
    opps: pd.DataFrame, stages: tuple[Stage, ...], problems: list[dict]
) -> pd.DataFrame:
    """Opportunities' stage names as configured, and closed/won flags from their meaning.

    Parameters
    ----------
    opps
        Typed opportunities (not changed).
    stages
        The configured stages in order; when there are none, a stage whose name contains
        ``won``, ``lost`` or ``closed`` is closed, and one containing ``won`` (but not
        ``not won``) is won.
    problems
        Deals in stages not in the list are reported here: a warning when their
        ``is_closed`` is given, else an error.

    Returns
    -------
    pandas.DataFrame
        A shallow copy with ``stage`` renamed and ``is_closed``/``is_won`` nullable booleans,
        blanks filled from the stage.
    """
    opps = opps.copy(deep=False)
    if "stage" not in opps:
        return opps
    lookup = _stage_lookup(stages)
    distinct = _distinct(opps["stage"])
    keys = {v: stage_key(v) for v in distinct}
    if lookup:
        names = {v: lookup[k].name for v, k in keys.items() if k in lookup}
        if any(n != v for v, n in names.items()):
            opps["stage"] = map_values(opps["stage"], lambda v: names.get(v, v)).astype("str")
        strange = [v for v in distinct if v not in names]
        closed = {v: lookup[keys[v]].closed for v in names}
        won = {v: lookup[keys[v]].won for v in names}
        if strange:
            problems.append(_unknown_stages(opps, strange))
    else:
        closed = {v: any(w in k for w in ("won", "lost", "closed")) for v, k in keys.items()}
        won = {v: "won" in k and "not won" not in k for v, k in keys.items()}
    return apply_flags(opps, {"is_closed": closed, "is_won": won}, nullable=True)


def _unknown_stages(opps: pd.DataFrame, strange: list[Any]) -> dict:
    unknown = opps["stage"].isin(strange)
    shown = ", ".join(sorted(map(str, strange))[:5])
    flags_given = "is_closed" in opps and opps.loc[unknown, "is_closed"].notna().all()
    sev = "warning" if flags_given else "error"
    return problem(
        sev,
        "opportunities",
        "stage",
        opps.loc[unknown, "opp_id"],
        f"{int(unknown.sum()):,} deal(s) in stages not in the configured stage list: {shown}; "
        "add them to [[stages]] in salesops.toml with their closed/won meaning",
    )


def normalise_history(hist: pd.DataFrame, stages: tuple[Stage, ...]) -> pd.DataFrame:
    """History's stage names as configured; blank closed/won flags from the stage's meaning.

    Parameters
    ----------
    hist
        Typed history (not changed); its ``stage`` is a categorical.
    stages
        The stages in order (configured or inferred). Without any, history is returned as
        is. Stages history has and the list lacks are kept as they are, unreported.

    Returns
    -------
    pandas.DataFrame
        A shallow copy; ``stage`` stays categorical.
    """
    hist = hist.copy(deep=False)
    lookup = _stage_lookup(stages)
    if "stage" not in hist or not lookup:
        return hist
    keys = {v: stage_key(v) for v in _distinct(hist["stage"])}
    names = {v: lookup[k].name for v, k in keys.items() if k in lookup}
    if any(n != v for v, n in names.items()):
        hist["stage"] = map_labels(hist["stage"], lambda v: names.get(v, v))
    flags = {
        col: {v: getattr(lookup[keys[v]], attr) for v in names}
        for col, attr in (("is_closed", "closed"), ("is_won", "won"))
    }
    return apply_flags(hist, flags, nullable=False)


def normalise_categories(cat: pd.Series) -> pd.Series:
    """Forecast category names spelled the standard way (``commit`` -> ``Commit``).

    Parameters
    ----------
    cat
        A ``forecast_category`` column, text or categorical. Names not in
        :data:`FORECAST_CATEGORY_NAMES` are kept as they are.

    Returns
    -------
    pandas.Series
        ``cat`` itself when nothing changes; a categorical stays categorical.

    Examples
    --------
    >>> normalise_categories(pd.Series(["commit", "Upside", None, "Custom"])).tolist()
    ['Commit', 'Best Case', nan, 'Custom']
    """
    names = {v: FORECAST_CATEGORY_NAMES.get(str(v).strip().lower(), v) for v in _distinct(cat)}
    if isinstance(cat.dtype, pd.CategoricalDtype):
        if all(n == v for v, n in names.items()):
            return cat
        return map_labels(cat, lambda v: names.get(v, v))
    if all(n == v for v, n in names.items()) and pd.api.types.is_string_dtype(cat):
        return cat
    out = map_values(cat, lambda v: names.get(v, v))
    return out.astype("str").where(cat.notna())


def infer_stages(opps: pd.DataFrame) -> tuple[Stage, ...]:
    """Stage order from the data when none is configured.

    Parameters
    ----------
    opps
        Opportunities with ``stage``, ``is_closed`` and ``is_won`` (after
        :func:`normalise_stages`).

    Returns
    -------
    tuple of Stage
        Open stages in alphabetical order, then closed stages, won ones first (a stage is
        closed or won when any of its deals is); empty without stages.

    Examples
    --------
    >>> opps = pd.DataFrame(
    ...     {"stage": ["Lost", "Won", "Demo"], "is_closed": [True, True, False],
    ...      "is_won": [False, True, False]}
    ... )
    >>> [s.name for s in infer_stages(opps)]
    ['Demo', 'Won', 'Lost']
    """
    if "stage" not in opps or opps.empty:
        return ()
    g = opps.groupby("stage", observed=True).agg(closed=("is_closed", "max"), won=("is_won", "max"))
    open_stages = [s for s in g.index if not bool(g.loc[s, "closed"])]
    closed = [s for s in g.index if bool(g.loc[s, "closed"])]
    closed.sort(key=lambda s: not bool(g.loc[s, "won"]))
    return tuple(Stage(str(s)) for s in sorted(open_stages)) + tuple(
        Stage(str(s), closed=True, won=bool(g.loc[s, "won"])) for s in closed
    )
