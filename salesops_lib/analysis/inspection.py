"""What to push this week: the open deals of the quarter, their risk flags, ranked by value at risk.

Value at risk is ``amount × (1 − chance)``: the part of the deal the forecast does not
count on, which is what a manager's push can still win. A large deal at a low chance comes
first; a deal at a high chance is mostly in the forecast already. A deal without a chance
(created after the last pipeline snapshot the forecast reads) counts its whole amount.

Risk flags
----------
pushed
    Its expected close date has moved later at least once.
stale
    No stage or amount change for :data:`STALE_DAYS` days (needs history snapshots).
quiet
    No logged activity for :data:`QUIET_DAYS` days (needs the activities table).
early
    Expected to close within :data:`EARLY_DAYS` days but still in the first half of the open
    stages.
past due
    Its expected close date is before the as-of date.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from salesops_lib.data import SalesData
from salesops_lib.fast import isin

STALE_DAYS = 30
"""Days without a stage or amount change that make a deal stale (as report 03's risks)."""

QUIET_DAYS = 14
"""Days without a logged activity that make a deal quiet."""

EARLY_DAYS = 30
"""A deal due within this many days should be past the first half of the open stages."""


def last_activity(
    data: SalesData, as_of: pd.Timestamp, deals: pd.Series | None = None
) -> pd.Series | None:
    """Each deal's latest logged activity on or before ``as_of``.

    Parameters
    ----------
    data
        The data set (its ``activities`` table: ``opp_id``, ``activity_date``).
    as_of
        The day.
    deals
        The ``opp_id`` of the deals wanted (None: every deal). Only their activities are
        grouped: a large company logs millions.

    Returns
    -------
    Series or None
        Indexed by ``opp_id``; None without an activities table tied to deals.
    """
    a = data.activities
    if a is None or "opp_id" not in a or a["opp_id"].notna().sum() == 0:
        return None
    day = pd.to_datetime(a["activity_date"])
    keep = (a["opp_id"].notna() & (day <= as_of)).to_numpy(dtype=bool, copy=True)
    if deals is not None:
        keep &= isin(a["opp_id"], deals)
    return day[keep].groupby(a["opp_id"][keep]).max()


def _early(data: SalesData, stage: pd.Series, close: pd.Series, as_of: pd.Timestamp) -> np.ndarray:
    """Due within :data:`EARLY_DAYS` days while in the first half of the open stages."""
    order = [s.name for s in data.stages if not s.closed]
    index = stage.map({n: i for i, n in enumerate(order)})
    first_half = (index < len(order) / 2).fillna(False).to_numpy(dtype=bool)
    soon = (close <= as_of + pd.Timedelta(days=EARLY_DAYS)).fillna(False).to_numpy(dtype=bool)
    return first_half & soon & (len(order) > 1)


def inspection_list(
    data: SalesData, deals: pd.DataFrame, chances: pd.DataFrame, *, as_of: pd.Timestamp
) -> pd.DataFrame:
    """The quarter's open deals with their chance, risk flags and value at risk, largest first.

    Parameters
    ----------
    data
        The data set (stages in order, activities, history).
    deals
        The quarter's open deals (:func:`salesops_lib.timeline.open_pipeline`): ``opp_id``,
        ``amount``, ``stage``, ``close_date``, ``pushes``, ``days_unchanged``, ``past_due``.
    chances
        ``opp_id, chance``: the win model's chance of each deal closing won in the quarter.
    as_of
        The day.

    Returns
    -------
    DataFrame
        ``deals`` plus ``chance`` (NaN: none), ``at_risk`` (amount × (1 − chance), the
        amount without a chance), the flags ``pushed, stale, quiet, early, overdue`` (bool;
        ``stale`` and ``quiet`` all False when the data cannot tell), ``days_quiet`` (days
        since the last activity, NaN: none or no activities) and ``flags`` (the raised
        flags in words); sorted by ``at_risk``, largest first.

    Examples
    --------
    >>> inspection_list(data, pipe, chances, as_of=pd.Timestamp("2026-09-30")).head()  # doctest: +SKIP
    """
    out = deals.reset_index(drop=True).copy()
    chance = chances.drop_duplicates("opp_id").set_index("opp_id")["chance"]
    out["chance"] = out["opp_id"].map(chance).astype("float64")
    out["at_risk"] = out["amount"] * (1 - out["chance"].fillna(0.0))
    out["pushed"] = out["pushes"].fillna(0).to_numpy() >= 1
    out["stale"] = (out["days_unchanged"] >= STALE_DAYS).fillna(False).to_numpy(dtype=bool)
    last = last_activity(data, as_of, out["opp_id"])
    if last is None:
        out["days_quiet"] = np.nan
        out["quiet"] = False
    else:
        seen = pd.Series(last.reindex(out["opp_id"]).to_numpy(), index=out.index)
        out["days_quiet"] = (as_of - seen).dt.days.astype("float64")
        out["quiet"] = ~(out["days_quiet"] < QUIET_DAYS).to_numpy(dtype=bool)
    out["early"] = _early(data, out["stage"], out["close_date"], as_of)
    out["overdue"] = out["past_due"].fillna(False).to_numpy(dtype=bool)
    out["flags"] = flag_words(out)
    return out.sort_values(["at_risk", "amount"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def flag_words(rows: pd.DataFrame) -> pd.Series:
    """The raised flags of each deal in words, e.g. ``pushed 2×, no activity 20 days``.

    Parameters
    ----------
    rows
        ``pushed, pushes, stale, quiet, days_quiet, early, overdue``.

    Returns
    -------
    Series
        One string per row (blank: no flag).

    Examples
    --------
    >>> r = pd.DataFrame({"pushed": [True], "pushes": [2], "stale": [False], "quiet": [True],
    ...                   "days_quiet": [float("nan")], "early": [False], "overdue": [True]})
    >>> flag_words(r).tolist()
    ['pushed 2×, no activity logged, past due']
    """
    words = []
    for r in rows.itertuples():
        w = []
        if r.pushed:
            w.append(f"pushed {int(r.pushes)}×")
        if r.stale:
            w.append(f"no change {STALE_DAYS}+ days")
        if r.quiet:
            w.append(
                "no activity logged"
                if pd.isna(r.days_quiet)
                else f"no activity {int(r.days_quiet)} days"
            )
        if r.early:
            w.append("stage early for its close date")
        if r.overdue:
            w.append("past due")
        words.append(", ".join(w))
    return pd.Series(words, index=rows.index, dtype="str")


# letters Unicode does not decompose into a Latin letter and a mark, spelled as people do in ASCII
_NOT_DECOMPOSED = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Ø": "O",
        "ø": "o",
        "Đ": "D",
        "đ": "d",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "ß": "ss",
        "Þ": "Th",
        "þ": "th",
        "ı": "i",
    }
)


def file_slug(name: object, used: set[str]) -> str:
    """A safe, unique file-name part for a name people typed (a manager's).

    Accents are dropped to their letters, anything but letters and digits becomes ``_``,
    at most 40 characters, ``none`` when nothing is left; ``_2``, ``_3`` ... make it unique.

    Parameters
    ----------
    name
        The name (NaN or blank: ``none``).
    used
        Slugs already taken; the returned one is added.

    Returns
    -------
    str

    Examples
    --------
    >>> used = set()
    >>> file_slug("José <script>, Jr.", used), file_slug("Jose script Jr", used)
    ('jose_script_jr', 'jose_script_jr_2')
    >>> file_slug("Łukasz Søndergaard", used)
    'lukasz_sondergaard'
    """
    text = "" if pd.isna(name) else str(name)  # type: ignore[call-overload]
    text = text.translate(_NOT_DECOMPOSED)  # Łukasz → Lukasz, not ukasz
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")[:40] or "none"
    out, k = base, 1
    while out in used:
        k += 1
        out = f"{base}_{k}"
    used.add(out)
    return out


def stage_chances(data: SalesData, chances: pd.DataFrame) -> pd.DataFrame:
    """Each deal's chance from its stage: the CRM's probability, else the stage's default.

    Without history snapshots a model cannot learn how a stage changes a deal's chance
    (the stage each past deal stood at is unknown), so its chances barely differ by stage;
    the probability the CRM holds for the deal's stage does. Deals with neither keep the
    chance given.

    Parameters
    ----------
    data
        The data set (``opportunities``: ``opp_id, stage`` and, when present,
        ``probability`` as a share; ``stages``: each stage's default probability).
    chances
        ``opp_id, chance``.

    Returns
    -------
    DataFrame
        A new frame: ``chances`` with ``chance`` from the stage where known and
        ``chance_source`` (``stage`` or ``model``).

    Examples
    --------
    >>> stage_chances(data, pd.DataFrame({"opp_id": ["o1"], "chance": [0.3]}))  # doctest: +SKIP
    """
    o = data.opportunities.drop_duplicates("opp_id").set_index("opp_id")
    out = chances.copy()
    prob = (
        out["opp_id"].map(o["probability"]).astype(float)
        if "probability" in o
        else pd.Series(np.nan, index=out.index)
    )
    defaults = {s.name: s.probability for s in data.stages if s.probability is not None}
    by_stage = out["opp_id"].map(o["stage"].astype("object")).map(defaults).astype(float)
    prob = prob.where(prob.notna() & (prob > 0) & (prob < 1), by_stage)
    known = prob.notna() & (prob > 0) & (prob < 1)
    out["chance"] = prob.where(known, out["chance"].astype(float))
    out["chance_source"] = np.where(known, "stage", "model")
    return out
