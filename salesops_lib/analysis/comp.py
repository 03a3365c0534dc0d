"""Compensation plans: payout curves, statements, and a replay of real deals under candidates.

A plan (in ``salesops.toml`` under ``[[comp.plans]]``) pays a quarterly variable target,
``ote x (1 - base_share) / 4``, according to attainment (bookings / quota):

- ``threshold``: below it no variable pay (None: none);
- ``cap``: attainment counted at most (None: uncapped);
- ``tiers``: ``{from, to, rate}`` with ``to`` None for the last, open-ended tier; a tier covers
  attainment above ``from`` up to and including ``to`` (exactly 100% is paid at the lower
  tier's rate); ``rate`` is a multiple of the target rate (below 1 a decelerator, above 1 an
  accelerator);
- ``mode``: ``marginal`` (each tier's rate applies to the attainment inside it, like tax
  brackets) or ``retroactive`` (the rate of the highest tier reached applies to all
  attainment; its rates may not fall from tier to tier, or more attainment would pay less);
- ``spiffs``: a flat amount per qualifying won deal (``product`` and/or ``min_amount``);
- ``weights``: measure -> weight (``bookings``, ``pipeline_created``), summing to 1; the
  variable target splits by weight and each measure's attainment runs through the curve.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from salesops_lib.config import check_names
from salesops_lib.data import SalesData
from salesops_lib.errors import ConfigError
from salesops_lib.format import money
from salesops_lib.timeline import booked, inherited_deals, won_deals

MEASURES = ("bookings", "pipeline_created")
PLAN_KEYS = (
    "name",
    "roles",
    "ote",
    "base_share",
    "mode",
    "tiers",
    "threshold",
    "cap",
    "spiffs",
    "weights",
    "current",
    "pipeline_multiple",
)
"""The keys a ``[[comp.plans]]`` entry may have (:meth:`CompPlan.from_dict`)."""
TIER_KEYS = ("from", "to", "rate")
SPIFF_KEYS = ("name", "amount", "product", "min_amount")


@dataclass(frozen=True)
class Tier:
    """Attainment above ``start`` up to and including ``end`` pays ``rate`` x the target rate."""

    start: float
    end: float | None
    rate: float


@dataclass(frozen=True)
class Spiff:
    """A flat amount per won deal of a product and/or at least a size."""

    name: str
    amount: float
    product: str | None = None
    min_amount: float | None = None


@dataclass(frozen=True)
class CompPlan:
    """A sales compensation plan (see the module docstring for each field)."""

    name: str
    roles: tuple[str, ...]
    ote: float
    base_share: float
    tiers: tuple[Tier, ...]
    mode: str = "marginal"
    threshold: float | None = None
    cap: float | None = None
    spiffs: tuple[Spiff, ...] = ()
    weights: dict[str, float] = field(default_factory=lambda: {"bookings": 1.0})
    current: bool = False
    pipeline_multiple: float = 3.0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CompPlan:
        """Build and check a plan from a config table.

        Parameters
        ----------
        d
            One ``[[comp.plans]]`` table: ``name``, ``ote`` and ``base_share`` (required),
            ``roles`` (a role or a list; default ``["*"]``, every role), ``mode`` (default
            ``marginal``), ``tiers`` (``{from, to, rate}``; default one tier at rate 1.0),
            ``threshold``, ``cap`` (``none`` or blank: none), ``spiffs`` (``{name, amount,
            product, min_amount}``), ``weights`` (default ``{bookings = 1.0}``), ``current`` and
            ``pipeline_multiple`` (default 3.0: the pipeline-created quota is three times the
            bookings quota).

        Returns
        -------
        CompPlan

        Raises
        ------
        ConfigError
            Naming the plan and the key that is wrong; an unknown key (``treshold``) is named
            with the valid ones (:data:`PLAN_KEYS`, a tier's ``from, to, rate``, a SPIFF's
            ``name, amount, product, min_amount``).

        Examples
        --------
        >>> plan = CompPlan.from_dict({"name": "AE", "ote": 200_000, "base_share": 0.5})
        >>> plan.quarterly_target, plan.roles
        (25000.0, ('*',))
        """
        name = str(d.get("name", "")).strip() or "unnamed plan"
        check_names(d, PLAN_KEYS, f"key of comp plan {name!r}")
        for t in d.get("tiers") or []:
            check_names(t if isinstance(t, dict) else {}, TIER_KEYS, f"key of a tier of {name!r}")
        for sp in d.get("spiffs") or []:
            check_names(
                sp if isinstance(sp, dict) else {}, SPIFF_KEYS, f"key of a SPIFF of {name!r}"
            )

        def bad(msg: str) -> ConfigError:
            return ConfigError(f"comp plan {name!r}: {msg}")

        try:
            ote = float(d["ote"])
            base_share = float(d["base_share"])
        except (KeyError, TypeError, ValueError):
            raise bad("needs numeric ote and base_share") from None
        if ote <= 0 or not 0 <= base_share < 1:
            raise bad("ote must be positive and base_share from 0 to below 1")
        mode = str(d.get("mode", "marginal"))
        if mode not in ("marginal", "retroactive"):
            raise bad(f"mode must be 'marginal' or 'retroactive', not {mode!r}")
        tiers = _tiers_of(d.get("tiers") or [{"from": 0.0, "to": None, "rate": 1.0}], mode, bad)
        threshold, cap = _threshold_and_cap(d, bad)
        spiffs = tuple(
            Spiff(
                str(s.get("name", "SPIFF")),
                float(s["amount"]),
                s.get("product"),
                None if s.get("min_amount") is None else float(s["min_amount"]),
            )
            for s in d.get("spiffs", []) or []
        )
        weights = _weights_of(d, bad)
        roles = d.get("roles") or ["*"]
        roles = (roles,) if isinstance(roles, str) else tuple(str(r) for r in roles)
        return cls(
            name,
            roles,
            ote,
            base_share,
            tiers,
            mode,
            threshold,
            cap,
            spiffs,
            weights,
            bool(d.get("current", False)),
            float(d.get("pipeline_multiple", 3.0)),
        )

    @property
    def quarterly_target(self) -> float:
        """Quarterly variable pay at 100% attainment: ote x (1 - base_share) / 4."""
        return self.ote * (1 - self.base_share) / 4

    @property
    def quarterly_base(self) -> float:
        """Base salary for one quarter."""
        return self.ote * self.base_share / 4

    def tier_pay(self, attainment: np.ndarray | Sequence[float] | float) -> np.ndarray:
        """Quarterly variable pay by tier: an array of shape (len(attainment), len(tiers)).

        Attainment below 0 or not finite counts as 0; above the cap it counts as the cap; below
        the threshold every tier pays 0.

        Parameters
        ----------
        attainment
            One attainment or several (bookings / quota; 1.0 = at quota).

        Returns
        -------
        numpy.ndarray
            Pay in currency; a row sums to :meth:`payout`.

        Examples
        --------
        >>> plan = CompPlan.from_dict({"name": "AE", "ote": 200_000, "base_share": 0.5,
        ...     "tiers": [{"from": 0, "to": 1.0, "rate": 1.0}, {"from": 1.0, "to": None, "rate": 2.0}]})
        >>> plan.tier_pay(1.5).tolist()
        [[25000.0, 25000.0]]
        """
        a = np.atleast_1d(np.asarray(attainment, dtype=float))
        a = np.where(np.isfinite(a), np.maximum(a, 0.0), 0.0)
        counted = np.minimum(a, self.cap) if self.cap is not None else a
        eligible = (
            a >= self.threshold if self.threshold is not None else np.ones_like(a, dtype=bool)
        )
        pay = np.zeros((len(a), len(self.tiers)))
        for i, t in enumerate(self.tiers):
            top = np.inf if t.end is None else t.end
            if self.mode == "marginal":
                pay[:, i] = t.rate * np.clip(counted - t.start, 0, top - t.start)
            else:
                inside = (counted > t.start) & (counted <= top)
                pay[:, i] = np.where(inside, t.rate * counted, 0.0)
        return pay * self.quarterly_target * eligible[:, None]

    def payout(self, attainment: np.ndarray | Sequence[float] | float) -> np.ndarray:
        """Quarterly variable pay in currency for each attainment (SPIFFs apart).

        Parameters
        ----------
        attainment
            One attainment or several (bookings / quota; 1.0 = at quota).

        Returns
        -------
        numpy.ndarray
            One pay per attainment (a 1-element array for a single number).

        Examples
        --------
        >>> plan = CompPlan.from_dict({"name": "AE", "ote": 200_000, "base_share": 0.5,
        ...     "tiers": [{"from": 0, "to": 1.0, "rate": 1.0}, {"from": 1.0, "to": None, "rate": 2.0}]})
        >>> plan.payout([0.5, 1.0, 1.5]).tolist()
        [12500.0, 25000.0, 50000.0]
        """
        return self.tier_pay(attainment).sum(axis=1)

    def applies_to(self, role: object) -> bool:
        """Whether the plan covers a rep of this role.

        Parameters
        ----------
        role
            A value of the reps' ``role`` column (missing: only a ``*`` plan covers it).

        Returns
        -------
        bool
        """
        return "*" in self.roles or (isinstance(role, str) and role in self.roles)


def _tiers_of(
    raw: Sequence[Mapping[str, Any]], mode: str, bad: Callable[[str], ConfigError]
) -> tuple[Tier, ...]:
    """A plan's tiers from its config tables, checked: from 0, without gaps or overlaps.

    ``bad`` turns a message into the error that names the plan.
    """
    tiers = []
    for i, t in enumerate(raw):
        try:
            start = float(t["from"])
            end = None if t.get("to") in (None, "", "none") else float(t["to"])
            rate = float(t["rate"])
        except (KeyError, TypeError, ValueError):
            raise bad(f"tier {i + 1} needs numeric from, to (or none) and rate") from None
        if rate < 0:
            raise bad(f"tier {i + 1} has a negative rate")
        if end is not None and end <= start:
            raise bad(f"tier {i + 1} ends ({end}) before it starts ({start})")
        tiers.append(Tier(start, end, rate))
    if tiers[0].start != 0:
        raise bad("the first tier must start at 0")
    for a, b in zip(tiers, tiers[1:], strict=False):
        if a.end is None or abs(a.end - b.start) > 1e-12:
            raise bad("tiers must follow each other without gaps or overlaps")
    if mode == "retroactive" and any(
        b.rate < a.rate for a, b in zip(tiers, tiers[1:], strict=False)
    ):
        raise bad(
            "a retroactive plan with a decelerator would pay less for more attainment; use mode = 'marginal'"
        )
    return tuple(tiers)


def _threshold_and_cap(
    d: Mapping[str, Any], bad: Callable[[str], ConfigError]
) -> tuple[float | None, float | None]:
    """A plan's threshold and cap (``none`` or blank: none), the cap not below the threshold."""
    threshold = d.get("threshold")
    cap = d.get("cap")
    threshold = None if threshold in (None, "", "none") else float(threshold)
    cap = None if cap in (None, "", "none") else float(cap)
    if cap is not None and threshold is not None and cap < threshold:
        raise bad("cap is below threshold")
    return threshold, cap


def _weights_of(d: Mapping[str, Any], bad: Callable[[str], ConfigError]) -> dict[str, float]:
    """A plan's measure weights (default ``{bookings = 1.0}``): known measures, summing to 1."""
    weights = {str(k): float(v) for k, v in (d.get("weights") or {"bookings": 1.0}).items()}
    if set(weights) - set(MEASURES):
        raise bad(
            f"weights may use {', '.join(MEASURES)}; got {', '.join(sorted(set(weights) - set(MEASURES)))}"
        )
    if abs(sum(weights.values()) - 1) > 1e-9:
        raise bad("weights must sum to 1")
    return weights


def load_plans(config: dict[str, Any]) -> list[CompPlan]:
    """Plans from a config's ``[[comp.plans]]``.

    Parameters
    ----------
    config
        The configuration (:func:`salesops_lib.config.load_config`); reads ``comp.plans``.

    Returns
    -------
    list of CompPlan
        In the config's order.

    Raises
    ------
    ConfigError
        When there are none, a plan is invalid, or two plans share a name.

    Examples
    --------
    >>> [p.name for p in load_plans({"comp": {"plans": [{"name": "AE", "ote": 1e5, "base_share": 0.6}]}})]
    ['AE']
    """
    items = (config.get("comp") or {}).get("plans") or []
    if not items:
        raise ConfigError(
            "the config has no [[comp.plans]]: add the plans to evaluate to salesops.toml"
        )
    plans = [CompPlan.from_dict(i) for i in items]
    names = [p.name for p in plans]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(
            f"two comp plans share the name {', '.join(repr(n) for n in twice)}: give each "
            "[[comp.plans]] entry its own name (statements and SPIFFs are kept by plan name)"
        )
    return plans


def current_plans(plans: list[CompPlan]) -> list[CompPlan]:
    """The plans marked ``current = true`` (or the first plan per role when none is).

    Parameters
    ----------
    plans
        Every plan of the config (:func:`load_plans`).

    Returns
    -------
    list of CompPlan
        In the config's order. With no plan marked current, a plan is kept when none of its
        roles is covered by a plan kept before it.
    """
    cur = [p for p in plans if p.current]
    if cur:
        return cur
    seen: set[str] = set()
    out = []
    for p in plans:
        if not set(p.roles) & seen:
            out.append(p)
            seen |= set(p.roles)
    return out


def plan_for(plans: list[CompPlan], role: object) -> CompPlan | None:
    """The first plan covering a role (specific roles before ``*``).

    Parameters
    ----------
    plans
        The plans in force, in order.
    role
        A value of the reps' ``role`` column (missing: the first ``*`` plan).

    Returns
    -------
    CompPlan or None
        None when no plan covers the role.
    """
    specific = [p for p in plans if isinstance(role, str) and role in p.roles]
    if specific:
        return specific[0]
    anyone = [p for p in plans if "*" in p.roles]
    return anyone[0] if anyone else None


def _stop(data: SalesData, quarter: str, as_of: object | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    start, end = data.calendar.bounds(quarter)
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        return start, end
    return start, min(end, pd.Timestamp(as_of).normalize())  # type: ignore[arg-type]


def _inherited_flag(data: SalesData) -> pd.Series:
    """Whether each opportunity (by the table's index) was inherited by its owner."""
    return pd.Series(
        inherited_deals(data)["inherited"].to_numpy(dtype=bool), index=data.opportunities.index
    )


def _measures(data: SalesData, quarter: str, as_of: object | None = None) -> pd.DataFrame:
    """Quota, bookings and pipeline created per rep; also without the deals the rep inherited."""
    start, stop = _stop(data, quarter, as_of)
    o = data.opportunities
    inherited = _inherited_flag(data)
    won = booked(data, start, stop, columns=["rep_id", "amount"])
    made = o.loc[(o["created_date"] >= start) & (o["created_date"] <= stop), ["rep_id", "amount"]]
    won_inh = inherited.loc[won.index].to_numpy(dtype=bool)
    made_inh = inherited.loc[made.index].to_numpy(dtype=bool)
    q = (
        data.quotas[data.quotas["period"] == quarter].groupby("rep_id")["quota"].sum()
        if data.quotas is not None
        else pd.Series(dtype=float)
    )
    out = pd.DataFrame(
        {
            "quota": q,
            "bookings": won.groupby("rep_id")["amount"].sum(),
            "pipeline_created": made.groupby("rep_id")["amount"].sum(),
            "own_bookings": won[~won_inh].groupby("rep_id")["amount"].sum(),
            "own_pipeline_created": made[~made_inh].groupby("rep_id")["amount"].sum(),
            "inherited_deals": won[won_inh].groupby("rep_id").size(),
        }
    )
    money_cols = ["bookings", "pipeline_created", "own_bookings", "own_pipeline_created"]
    out[money_cols] = out[money_cols].fillna(0.0)
    out["inherited_deals"] = out["inherited_deals"].fillna(0).astype(int)
    out["inherited_bookings"] = out["bookings"] - out["own_bookings"]
    return out


def _spiffs(
    data: SalesData,
    plan: CompPlan,
    quarter: str,
    as_of: object | None = None,
    *,
    own_only: bool = False,
) -> pd.Series:
    """SPIFF pay per rep for the quarter's won deals under a plan (``own_only``: not inherited)."""
    if not plan.spiffs:
        return pd.Series(dtype=float)
    start, stop = _stop(data, quarter, as_of)
    won = booked(data, start, stop, columns=["rep_id", "product", "amount"])
    if own_only:
        won = won[~_inherited_flag(data).loc[won.index].to_numpy(dtype=bool)]
    total = pd.Series(0.0, index=pd.Index(won["rep_id"].unique()))
    for s in plan.spiffs:
        ok = pd.Series(True, index=won.index)
        if s.product:
            ok &= won["product"] == s.product
        if s.min_amount is not None:
            ok &= won["amount"] >= s.min_amount
        total = total.add(won[ok].groupby("rep_id").size() * s.amount, fill_value=0.0)
    return total


def _variable(plan: CompPlan, r: pd.DataFrame, n_tiers: int, *, own: bool) -> np.ndarray:
    """Tier pay (rows × n_tiers) of reps ``r`` under ``plan``, on all or on own deals only."""
    tier_pay = np.zeros((len(r), n_tiers))
    for measure, w in plan.weights.items():
        multiple = plan.pipeline_multiple if measure == "pipeline_created" else 1.0
        col = f"own_{measure}" if own else measure
        att = (r[col] / (r["quota"] * multiple)).to_numpy(dtype=float)
        tier_pay[:, : len(plan.tiers)] += w * plan.tier_pay(att)
    return tier_pay


STATEMENT_COLUMNS = (
    "rep_id",
    "rep_name",
    "team",
    "role",
    "plan",
    "quota",
    "bookings",
    "attainment",
    "base",
    "variable_target",
)
STATEMENT_TAIL = (
    "variable_pay",
    "spiffs",
    "total_pay",
    "payout_pct",
    "inherited_deals",
    "inherited_bookings",
    "pay_from_inherited",
)


def statements(
    data: SalesData, plans: list[CompPlan], *, quarter: str, as_of: object | None = None
) -> pd.DataFrame:
    """Each rep's pay statement for a quarter under the plan for their role.

    Parameters
    ----------
    data
        The sales data (``quotas`` for the quarter, ``reps.role`` to pick each rep's plan).
    plans
        The plans in force; each rep is paid under :func:`plan_for` their role.
    quarter
        Fiscal quarter (``2026Q3``, ``2026-Q3``, ``Q3 2026``, ``FY2026Q3``).
    as_of
        Count deals closed up to this date, inside the quarter (None: the whole quarter).

    Returns
    -------
    DataFrame
        Per rep with a quota: ``rep_id, rep_name, team, role, plan, quota, bookings,
        attainment, base, variable_target, pay_tier_1 ... pay_tier_n, variable_pay, spiffs,
        total_pay, payout_pct, inherited_deals, inherited_bookings, pay_from_inherited``.
        ``variable_pay`` is the sum of the tier columns (over every measure), ``total_pay``
        = base + variable_pay + spiffs, ``payout_pct`` = variable_pay / variable_target.
        ``inherited_*`` count the quarter's won deals the rep inherited
        (:func:`salesops_lib.timeline.inherited_deals`); ``pay_from_inherited`` is the
        variable pay and SPIFFs the rep would not earn without them.

    Raises
    ------
    ConfigError
        When ``quarter`` is not a quarter label or is outside the data, ``as_of`` is outside
        the quarter, or no plan is given (each message says what is allowed).

    Examples
    --------
    >>> statements(data, current_plans(load_plans(config)), quarter="2026Q3")  # doctest: +SKIP
    """
    quarter = data.quarter_label(quarter)
    if as_of is not None and str(as_of).strip():
        as_of = data.as_of_in(quarter, as_of)
    if not plans:
        raise ConfigError("statements need at least one comp plan (load_plans(config))")
    m = _measures(data, quarter, as_of)
    m = m[m["quota"].notna() & (m["quota"] > 0)]
    reps = data.reps.drop_duplicates("rep_id").set_index("rep_id").reindex(m.index)
    n_tiers = max(len(p.tiers) for p in plans)
    spiffs = {p.name: _spiffs(data, p, quarter, as_of) for p in plans}
    own_spiffs = {p.name: _spiffs(data, p, quarter, as_of, own_only=True) for p in plans}
    role = reps["role"] if "role" in reps else pd.Series(None, index=m.index, dtype=object)
    by_role = {r: plan_for(plans, r) for r in pd.unique(role.astype(object))}
    plan_of = [by_role.get(r) for r in role.astype(object)]
    frames = []
    for plan in {p.name: p for p in plan_of if p is not None}.values():
        mine = np.array([p is plan for p in plan_of], dtype=bool)
        r = m[mine]
        tier_pay = _variable(plan, r, n_tiers, own=False)
        variable = tier_pay.sum(axis=1)
        own_variable = _variable(plan, r, n_tiers, own=True).sum(axis=1)
        spiff = spiffs[plan.name].reindex(r.index).fillna(0.0).to_numpy(dtype=float)
        own_spiff = own_spiffs[plan.name].reindex(r.index).fillna(0.0).to_numpy(dtype=float)
        frame = pd.DataFrame(
            {
                "rep_id": r.index,
                "rep_name": reps["rep_name"][mine].fillna(pd.Series(r.index, index=r.index))
                if "rep_name" in reps
                else r.index,
                "team": reps["team"][mine] if "team" in reps else None,
                "role": role[mine],
                "plan": plan.name,
                "quota": r["quota"],
                "bookings": r["bookings"],
                "attainment": r["bookings"] / r["quota"],
                "base": plan.quarterly_base,
                "variable_target": plan.quarterly_target,
                **{f"pay_tier_{i + 1}": tier_pay[:, i] for i in range(n_tiers)},
                "variable_pay": variable,
                "spiffs": spiff,
                "total_pay": plan.quarterly_base + variable + spiff,
                "payout_pct": variable / plan.quarterly_target,
                "inherited_deals": r["inherited_deals"],
                "inherited_bookings": r["inherited_bookings"],
                "pay_from_inherited": np.maximum(variable + spiff - own_variable - own_spiff, 0.0),
            },
            index=r.index,
        )
        frames.append(frame.assign(_at=np.flatnonzero(mine)))
    rows = (
        pd.concat(frames).sort_values("_at").drop(columns="_at").reset_index(drop=True)
        if frames
        else pd.DataFrame()
    )
    columns = [
        *STATEMENT_COLUMNS,
        *[f"pay_tier_{i + 1}" for i in range(n_tiers)],
        *STATEMENT_TAIL,
    ]
    return rows.reindex(columns=columns) if len(rows) else pd.DataFrame(columns=columns)


def top_share(
    rank_by: pd.Series | np.ndarray, values: pd.Series | np.ndarray, share: float = 0.25
) -> float:
    """Share of ``values`` held by the top ``share`` of rows ranked by ``rank_by``.

    The group is always exactly ``share`` of the rows: rows tied at its edge count in equal
    parts (with 8 rows all tied, each counts a quarter toward the top quarter's two), so
    ties never make the "top quarter" larger than a quarter.

    Parameters
    ----------
    rank_by
        What ranks the rows (e.g. attainment); NaN rows are left out.
    values
        What is shared (e.g. variable pay).
    share
        The top share of rows (0.25: the top quarter).

    Returns
    -------
    float
        NaN when nothing is shared.

    Examples
    --------
    >>> top_share([1.0, 1.0, 1.0, 1.0], [10.0, 10.0, 10.0, 10.0])
    0.25
    >>> top_share([4.0, 3.0, 2.0, 1.0], [40.0, 30.0, 20.0, 10.0])
    0.4
    """
    r = np.asarray(rank_by, dtype=float)
    v = np.asarray(values, dtype=float)
    keep = np.isfinite(r) & np.isfinite(v)
    r, v = r[keep], v[keep]
    total = v.sum()
    if len(r) == 0 or not total > 0:
        return float("nan")
    k = share * len(r)
    edge = np.sort(r)[::-1][int(np.ceil(k)) - 1]
    above = r > edge
    tied = r == edge
    part = (k - above.sum()) / tied.sum()
    return float((v[above].sum() + part * v[tied].sum()) / total)


def pay_correlation(bookings: pd.Series | np.ndarray, pay: pd.Series | np.ndarray) -> float:
    """How closely pay follows the dollars booked: Pearson correlation of bookings and pay.

    Pay under one plan is an increasing function of attainment, so the rank correlation
    of attainment and pay is 1 by construction for every plan. The linear correlation of
    pay with the bookings themselves is not: caps, thresholds, accelerators and quotas of
    different sizes pull pay away from the dollars booked, differently for each plan.

    Parameters
    ----------
    bookings, pay
        One value per rep (or rep-quarter).

    Returns
    -------
    float
        From -1 to 1; NaN with fewer than three rows or when either does not vary.

    Examples
    --------
    >>> pay_correlation([1.0, 2.0, 3.0], [10.0, 20.0, 30.0])
    1.0
    """
    b = np.asarray(bookings, dtype=float)
    p = np.asarray(pay, dtype=float)
    keep = np.isfinite(b) & np.isfinite(p)
    b, p = b[keep], p[keep]
    if len(b) < 3 or np.ptp(b) == 0 or np.ptp(p) == 0:
        return float("nan")
    return float(np.clip(np.corrcoef(b, p)[0, 1], -1.0, 1.0))


def plan_metrics(
    st: pd.DataFrame, plan_of_rep: pd.Series | None = None, plans: list[CompPlan] | None = None
) -> dict[str, float]:
    """Cost and pay-for-performance figures of a set of statements.

    Parameters
    ----------
    st
        :func:`statements` rows (one plan or several).
    plan_of_rep
        Unused; kept for callers of earlier versions.
    plans
        The plans named in ``st`` (for thresholds and caps).

    Returns
    -------
    dict
        ``reps``, ``variable_pay, spiffs, cost`` (variable + SPIFFs), ``bookings``,
        ``cost_of_sales`` (cost / bookings: the variable cost of sales), ``base`` (base pay),
        ``total_cost`` (base + cost) and ``total_cost_of_sales`` (total cost / bookings),
        ``pay_correlation`` (:func:`pay_correlation`
        of bookings and variable pay), ``top_quartile_share`` (:func:`top_share` of
        variable pay by attainment), ``below_threshold`` (reps below their plan's
        threshold) and ``below_threshold_pay``, ``at_cap`` (reps at or above the cap),
        ``inherited_bookings`` and ``pay_from_inherited``.

    Examples
    --------
    >>> plan_metrics(statements(data, plans, quarter="2026Q3"), plans=plans)["cost"]  # doctest: +SKIP
    """
    cost = st["variable_pay"].sum() + st["spiffs"].sum()
    by_name = {p.name: p for p in plans or []}
    thr = pd.Series(
        [
            by_name[n].threshold if n in by_name and by_name[n].threshold is not None else -np.inf
            for n in st["plan"]
        ],
        index=st.index,
        dtype="float64",
    )
    cap = pd.Series(
        [
            by_name[n].cap if n in by_name and by_name[n].cap is not None else np.inf
            for n in st["plan"]
        ],
        index=st.index,
        dtype="float64",
    )
    below = st["attainment"] < thr
    booked_total = float(st["bookings"].sum())
    base = float(st["base"].sum()) if "base" in st else 0.0
    return {
        "reps": float(len(st)),
        "variable_pay": float(st["variable_pay"].sum()),
        "spiffs": float(st["spiffs"].sum()),
        "cost": float(cost),
        "bookings": booked_total,
        "cost_of_sales": float(cost / booked_total) if booked_total > 0 else np.nan,
        "base": base,
        "total_cost": float(cost + base),
        "total_cost_of_sales": float((cost + base) / booked_total) if booked_total > 0 else np.nan,
        "pay_correlation": pay_correlation(st["bookings"], st["variable_pay"]),
        "top_quartile_share": top_share(st["attainment"], st["variable_pay"]),
        "below_threshold": float(below.sum()),
        "below_threshold_pay": float(st.loc[below, "variable_pay"].sum()),
        "at_cap": float((st["attainment"] >= cap).sum()),
        "inherited_bookings": float(st["inherited_bookings"].sum())
        if "inherited_bookings" in st
        else 0.0,
        "pay_from_inherited": float(st["pay_from_inherited"].sum())
        if "pay_from_inherited" in st
        else 0.0,
    }


def replay(data: SalesData, plans: list[CompPlan], *, quarters: str | list[str]) -> pd.DataFrame:
    """The real deals of ``quarters`` paid under each candidate plan, side by side.

    Each candidate replaces the plan of its roles; reps of other roles keep their current plan.

    Parameters
    ----------
    data
        The sales data (with quotas for ``quarters``).
    plans
        Every plan of the config, current and candidate.
    quarters
        The quarters replayed (complete ones: the whole quarter's deals count); one label
        is one quarter.

    Returns
    -------
    DataFrame
        One row per candidate plan (index ``plan``) with :func:`plan_metrics` over all
        quarters (cost and bookings summed, the other figures over rep-quarters), and
        ``roles``, ``current``, ``mode``.

    Examples
    --------
    >>> replay(data, plans, quarters=["2026Q2", "2026Q3"])["cost_of_sales"]  # doctest: +SKIP
    """
    quarters = [
        data.quarter_label(q) for q in ([quarters] if isinstance(quarters, str) else quarters)
    ]
    current = current_plans(plans)
    rows = []
    for cand in plans:
        scenario = [cand] + [p for p in current if not set(p.roles) & set(cand.roles)]
        frames = [statements(data, scenario, quarter=q).assign(quarter=q) for q in quarters]
        st = pd.concat(frames, ignore_index=True)
        st = st[st["plan"] == cand.name]
        met: dict[str, object] = dict(plan_metrics(st, plans=plans))
        met.update(
            {
                "plan": cand.name,
                "roles": ", ".join(cand.roles),
                "current": cand.current,
                "mode": cand.mode,
            }
        )
        rows.append(met)
    return pd.DataFrame(rows).set_index("plan")


def cost_range(
    data: SalesData,
    plans: list[CompPlan],
    *,
    quarter: str,
    bookings_point: float,
    bookings_lo80: float,
    bookings_hi80: float,
    quotas: pd.Series,
    n: int = 5000,
    seed: int = 0,
) -> dict[str, float]:
    """Monte Carlo of next quarter's variable pay under the current plans.

    Company bookings are drawn from a normal fitted to the forecast's point and 80% range;
    each rep's share of them from their trailing share with the spread seen in history.
    Each rep is paid by the payout curve of :func:`plan_for` their role on bookings
    attainment (bookings / quota); SPIFFs and plan weights on other measures are left out.

    Parameters
    ----------
    data
        The sales data: won deals of the four quarters before ``quarter`` give each rep's
        share of bookings and its spread; ``reps.role`` picks each rep's plan.
    plans
        The current plans.
    quarter
        The quarter simulated.
    bookings_point, bookings_lo80, bookings_hi80
        The company's forecast bookings for ``quarter`` and its 80% range.
    quotas
        Quota per ``rep_id`` (index) for the quarter; reps without one, or without won
        deals in the four quarters before, are not paid.
    n
        Number of draws.
    seed
        Seed of the random draws (the same seed, the same answer).

    Returns
    -------
    dict
        ``p10, p50, p90, mean`` of the quarter's variable pay across the draws (SPIFFs are
        left out).
    """
    rng = np.random.default_rng(seed)
    sd = max((bookings_hi80 - bookings_lo80) / (2 * 1.2816), 1e-9)
    last4 = [data.calendar.shift(quarter, -k) for k in range(4, 0, -1)]
    won = won_deals(data)
    qlab = data.calendar.quarters_of(won["close_date"])
    per = (
        won[qlab.isin(last4)]
        .groupby([qlab[qlab.isin(last4)], "rep_id"])["amount"]
        .sum()
        .unstack(fill_value=0.0)
    )
    shares = per.div(per.sum(axis=1), axis=0)
    reps = quotas.index.intersection(shares.columns) if len(shares) else quotas.index
    mean_share = shares.reindex(columns=reps).mean().fillna(0.0)
    mean_share = (
        mean_share / mean_share.sum()
        if mean_share.sum() > 0
        else pd.Series(1 / len(reps), index=reps)
    )
    cv = (
        (shares.reindex(columns=reps).std() / shares.reindex(columns=reps).mean())
        .replace([np.inf], np.nan)
        .fillna(0.5)
        .clip(0.05, 2)
    )
    roles = data.reps.set_index("rep_id")["role"] if "role" in data.reps else pd.Series(dtype=str)
    rep_plans = [plan_for(plans, roles.get(r)) for r in reps]
    total = np.maximum(rng.normal(bookings_point, sd, n), 0.0)
    sig = np.sqrt(np.log1p(cv.to_numpy() ** 2))
    noise = rng.lognormal(-0.5 * sig**2, sig, (n, len(reps)))
    raw = mean_share.to_numpy() * noise
    split = raw / raw.sum(axis=1, keepdims=True) * total[:, None]
    cost = np.zeros(n)
    for j, (r, p) in enumerate(zip(reps, rep_plans, strict=True)):
        if p is None or not quotas.get(r, 0) > 0:
            continue
        cost += p.payout(split[:, j] / quotas[r])
    return {
        "mean": float(cost.mean()),
        "p10": float(np.quantile(cost, 0.1)),
        "p50": float(np.quantile(cost, 0.5)),
        "p90": float(np.quantile(cost, 0.9)),
    }


def write_statements(st: pd.DataFrame, folder: str, stem: str) -> tuple[str, str]:
    """Write statements as ``<stem>.csv`` and ``<stem>.xlsx`` (one sheet per team) in ``folder``.

    Parameters
    ----------
    st
        The rows to write (e.g. :func:`statements`; needs ``team``, blank teams go to a
        ``(no team)`` sheet), every column as is.
    folder
        An existing folder.
    stem
        File name without extension.

    Returns
    -------
    tuple of str
        The paths of the CSV and of the Excel file.
    """
    from pathlib import Path

    out = Path(folder)
    csv_path = out / f"{stem}.csv"
    xlsx_path = out / f"{stem}.xlsx"
    st.to_csv(csv_path, index=False)
    with pd.ExcelWriter(xlsx_path, engine="openpyxl") as xl:
        teams = st["team"].fillna("(no team)").astype(str)
        used: set[str] = set()
        for team, g in st.groupby(teams, sort=True):
            name = "".join(ch for ch in team if ch not in "[]:*?/\\")[:31] or "team"
            while name in used:
                name = name[:28] + f"~{len(used)}"
            used.add(name)
            g.to_excel(xl, sheet_name=name, index=False)
    return str(csv_path), str(xlsx_path)


# ---- reading a plan ---------------------------------------------------------------------------


def reps_per_tier(st: pd.DataFrame, plan: CompPlan) -> pd.DataFrame:
    """Where the reps of one plan sit on its curve: each rep in exactly one band.

    The bands are: below the threshold (no variable pay), each tier from the threshold up
    to the cap (a tier covers attainment above its lower edge up to and including its upper
    edge; the first tier starts at 0), and at or above the cap (pay no longer grows).

    Parameters
    ----------
    st
        :func:`statements` rows (``plan, attainment, variable_pay``); only the rows of
        ``plan`` count.
    plan
        The plan.

    Returns
    -------
    DataFrame
        ``plan, band`` (in words), ``low, high`` (attainment edges), ``rate`` (the tier's
        rate; 0 below the threshold, NaN at the cap), ``reps`` and ``variable_pay``. The
        reps add up to the plan's reps.

    Examples
    --------
    >>> reps_per_tier(statements(data, plans, quarter="2026Q3"), plans[0])  # doctest: +SKIP
    """
    a = st.loc[st["plan"] == plan.name, "attainment"].to_numpy(dtype=float)
    pay = st.loc[st["plan"] == plan.name, "variable_pay"].to_numpy(dtype=float)
    thr, cap = plan.threshold, plan.cap
    eligible = a >= thr if thr is not None else np.ones(len(a), dtype=bool)
    below_cap = a < cap if cap is not None else np.ones(len(a), dtype=bool)
    rows = []

    def add(band: str, low: float, high: float, rate: float, mask: np.ndarray) -> None:
        rows.append(
            {
                "plan": plan.name,
                "band": band,
                "low": low,
                "high": high,
                "rate": rate,
                "reps": int(mask.sum()),
                "variable_pay": float(pay[mask].sum()),
            }
        )

    if thr is not None and thr > 0:
        add(f"Below the {_pct(thr)} threshold", 0.0, thr, 0.0, ~eligible)
    for i, t in enumerate(plan.tiers):
        top = np.inf if t.end is None else t.end
        inside = (a <= top) if i == 0 else ((a > t.start) & (a <= top))
        lo = max(t.start, thr or 0.0)
        hi = min(top, cap if cap is not None else np.inf)
        starts_at_threshold = thr is not None and thr > 0 and thr >= t.start
        if hi < lo or (hi == lo and not (starts_at_threshold and top >= lo)):
            continue  # the tier lies wholly below the threshold or above the cap
        if starts_at_threshold:
            words = f"{_pct(lo)} (threshold)"
        elif i == 0:
            words = "Up to"
        else:
            words = f"Over {_pct(lo)}"
        if cap is not None and hi == cap:
            words += f"{' to' if starts_at_threshold else ','} below the {_pct(cap)} cap"
        elif np.isfinite(hi):
            words += f" {_pct(hi)}" if words == "Up to" else f" to {_pct(hi)}"
        add(words, lo, hi, t.rate, inside & eligible & below_cap)
    if cap is not None:
        add(f"At or above the {_pct(cap)} cap", cap, np.inf, np.nan, ~below_cap & eligible)
    return pd.DataFrame(
        rows, columns=["plan", "band", "low", "high", "rate", "reps", "variable_pay"]
    )


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def curve_words(plan: CompPlan) -> str:
    """The plan's tiers in words: ``1.0× up to 100%, 1.5× to 150%, 2.0× above``.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    str
        Each tier's rate and edges, then the mode in brackets.

    Examples
    --------
    >>> plan = CompPlan.from_dict({"name": "AE", "ote": 200_000, "base_share": 0.5,
    ...     "tiers": [{"from": 0, "to": 1.0, "rate": 1.0}, {"from": 1.0, "to": None, "rate": 2.0}]})
    >>> curve_words(plan)
    '1.0× up to 100%, 2.0× above 100% (marginal)'
    """
    parts = []
    for i, t in enumerate(plan.tiers):
        if t.end is None:
            parts.append(
                f"{t.rate:.1f}× above {_pct(t.start)}" if i else f"{t.rate:.1f}× throughout"
            )
        else:
            parts.append(f"{t.rate:.1f}× {'up ' if i == 0 else ''}to {_pct(t.end)}")
    mode = "marginal" if plan.mode == "marginal" else "retroactive"
    return f"{', '.join(parts)} ({mode})"


def plan_table(plans: list[CompPlan], currency: str = "USD") -> pd.DataFrame:
    """The plans of the config, one row each, in a manager's words.

    Parameters
    ----------
    plans
        Every plan of the config; :func:`current_plans` decides the status.
    currency
        ISO code for the SPIFF amounts.

    Returns
    -------
    DataFrame
        ``plan, roles, status`` (Current / Candidate), ``ote, variable_target``
        (quarterly), ``threshold, cap, curve`` (:func:`curve_words`), ``spiffs`` (words).

    Examples
    --------
    >>> plan_table(load_plans(config))  # doctest: +SKIP
    """
    current = {p.name for p in current_plans(plans)}
    return pd.DataFrame(
        {
            "plan": [p.name for p in plans],
            "roles": [", ".join("every role" if r == "*" else r for r in p.roles) for p in plans],
            "status": ["Current" if p.name in current else "Candidate" for p in plans],
            "ote": [p.ote for p in plans],
            "variable_target": [p.quarterly_target for p in plans],
            "threshold": [np.nan if p.threshold is None else p.threshold for p in plans],
            "cap": [np.nan if p.cap is None else p.cap for p in plans],
            "curve": [curve_words(p) for p in plans],
            "spiffs": [
                "; ".join(
                    f"{s.name}: {money(s.amount, currency)} per won deal"
                    + (f" of {s.product}" if s.product else "")
                    + (
                        f" of {money(s.min_amount, currency)} or more"
                        if s.min_amount is not None
                        else ""
                    )
                    for s in p.spiffs
                )
                for p in plans
            ],
        }
    )


PAY_AT = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
"""Attainments at which plans are compared side by side."""


def pay_at(plans: list[CompPlan], attainments: tuple[float, ...] = PAY_AT) -> pd.DataFrame:
    """Each plan's variable pay at the same attainments, as a share of its variable target.

    Needs no quotas: it reads the plans only.

    Parameters
    ----------
    plans
        The plans compared.
    attainments
        The attainments (1.0 = at quota); default :data:`PAY_AT`.

    Returns
    -------
    DataFrame
        ``plan`` and one column ``at_<attainment>`` per attainment (e.g. ``at_1.5``), the
        payout as a share of the quarterly variable target (1.0 = on target).

    Examples
    --------
    >>> plan = CompPlan.from_dict({"name": "AE", "ote": 200_000, "base_share": 0.5,
    ...     "tiers": [{"from": 0, "to": 1.0, "rate": 1.0}, {"from": 1.0, "to": None, "rate": 2.0}]})
    >>> pay_at([plan], (1.0, 1.5)).to_dict("records")
    [{'plan': 'AE', 'at_1.0': 1.0, 'at_1.5': 2.0}]
    """
    out = pd.DataFrame({"plan": [p.name for p in plans]})
    for a in attainments:
        out[f"at_{a}"] = [float(p.payout([a])[0]) / p.quarterly_target for p in plans]
    return out


def on_target_cost(data: SalesData, plans: list[CompPlan], *, quarter: str) -> pd.DataFrame:
    """What the current plans pay a quarter if every rep they cover is exactly at quota.

    Needs no quotas: the reps employed during the quarter, each paid their plan's quarterly
    variable target.

    Parameters
    ----------
    data
        The sales data (``reps``: ``rep_id, role, hire_date, end_date``).
    plans
        The current plans; each rep counts under :func:`plan_for` their role.
    quarter
        The quarter; a rep counts when hired by its end and not gone before its start.

    Returns
    -------
    DataFrame
        Per plan: ``plan, reps, variable_target`` (per rep) and ``cost`` (reps ×
        target).

    Examples
    --------
    >>> on_target_cost(data, current_plans(plans), quarter="2026Q3")["cost"].sum()  # doctest: +SKIP
    """
    start, end = data.calendar.bounds(quarter)
    reps = data.reps.drop_duplicates("rep_id")
    hired = reps["hire_date"].isna() | (reps["hire_date"] <= end) if "hire_date" in reps else True
    stayed = reps["end_date"].isna() | (reps["end_date"] >= start) if "end_date" in reps else True
    reps = reps[hired & stayed]
    role = reps["role"] if "role" in reps else pd.Series(None, index=reps.index, dtype=object)
    covered = [plan_for(plans, r) for r in role.astype(object)]
    rows = []
    for p in plans:
        n = sum(c is p for c in covered)
        rows.append(
            {
                "plan": p.name,
                "reps": n,
                "variable_target": p.quarterly_target,
                "cost": n * p.quarterly_target,
            }
        )
    return pd.DataFrame(rows, columns=["plan", "reps", "variable_target", "cost"])


@dataclass(frozen=True)
class NextQuarterCost:
    """What the current plans may pay in the quarter ahead (:func:`next_quarter_cost`).

    Attributes
    ----------
    quarter
        The quarter ahead: the reported quarter while it runs, else the next one.
    quota_quarter
        Whose quotas the reps are paid against (the quarter ahead's, or the reported
        quarter's when the data has none for it yet).
    method
        The forecast method behind the bookings: the one the forecasting report recommends.
    point, lo80, hi80
        Forecast bookings and its 80% range.
    mean, p10, p50, p90
        The simulated variable pay (:func:`cost_range`).
    recommended
        True when ``method`` is the recommendation of the forecasting backtest
        (:func:`salesops_lib.analysis.forecast.recommend`); False when no backtest
        recommends one and the pipeline method stands in.
    wape, tested
        The recommended method's WAPE in that backtest and how many quarters it tested.
    week
        The week of the quarter the forecast stands at (:func:`~salesops_lib.analysis.forecast.forecast_week`).
    forecast, backtest
        The forecast (:func:`~salesops_lib.analysis.forecast.forecast_quarter`) and its
        deciding backtest, from which the forecasting report words the recommendation.
    """

    quarter: str
    quota_quarter: str
    method: str
    point: float
    lo80: float
    hi80: float
    mean: float
    p10: float
    p50: float
    p90: float
    recommended: bool = False
    wape: float = float("nan")
    tested: int = 0
    week: int = 0
    forecast: pd.DataFrame | None = None
    backtest: pd.DataFrame | None = None


def next_quarter_cost(
    data: SalesData,
    plans: list[CompPlan],
    *,
    quarter: str,
    as_of: object,
    backtest_quarters: int = 8,
) -> NextQuarterCost:
    """Variable pay of the quarter ahead under ``plans``, from its forecast (:func:`cost_range`).

    The bookings forecast is the one the forecasting report recommends, by its one rule:
    the backtest of ``backtest_quarters`` earlier quarters at the forecast's own week
    (:func:`~salesops_lib.analysis.forecast.backtest`,
    :func:`~salesops_lib.analysis.forecast.forecast_week`) names the method with the lowest
    WAPE (:func:`~salesops_lib.analysis.forecast.recommend`). Without a backtest that
    recommends one, the pipeline method stands in (``recommended`` False).

    Parameters
    ----------
    data
        The sales data.
    plans
        The current plans.
    quarter
        The reported quarter.
    as_of
        What is known.
    backtest_quarters
        Earlier quarters the backtest tests (the forecasting report's default, 8).

    Returns
    -------
    NextQuarterCost

    Raises
    ------
    SalesOpsDataError
        When neither the quarter ahead nor the reported quarter has quotas.

    Examples
    --------
    >>> next_quarter_cost(data, current_plans(plans), quarter="2026Q3", as_of="2026-09-30").method  # doctest: +SKIP
    'ensemble'
    """
    from salesops_lib.analysis import forecast
    from salesops_lib.analysis.outlook import outlook_quarter
    from salesops_lib.errors import SalesOpsDataError

    day = pd.Timestamp(as_of).normalize()  # type: ignore[arg-type]
    ahead = outlook_quarter(data, quarter, day)
    q = data.quotas
    has = set(q["period"].unique()) if q is not None and len(q) else set()
    quota_quarter = ahead if ahead in has else quarter if quarter in has else None
    if quota_quarter is None or q is None:
        raise SalesOpsDataError(f"no quotas for {ahead} or {quarter} to pay reps against")
    week = forecast.forecast_week(data, ahead, day)
    bt = forecast.backtest(
        data, quarters=backtest_quarters, week=week, before=ahead, as_of_limit=day
    )
    fq = forecast.forecast_quarter(data, quarter=ahead, as_of=day, backtest=bt)
    rec = fq.attrs.get("recommended")
    methods = list(fq["method"])
    method = rec if rec in methods else "pipeline" if "pipeline" in methods else methods[0]
    row = fq.set_index("method").loc[method]
    wape = bt.attrs.get("wape", {}) if len(bt) else {}
    quotas = q[q["period"] == quota_quarter].groupby("rep_id")["quota"].sum()
    cr = cost_range(
        data,
        plans,
        quarter=ahead,
        bookings_point=float(row["point"]),
        bookings_lo80=float(row["lo80"]),
        bookings_hi80=float(row["hi80"]),
        quotas=quotas,
    )
    return NextQuarterCost(
        quarter=ahead,
        quota_quarter=quota_quarter,
        method=str(method),
        point=float(row["point"]),
        lo80=float(row["lo80"]),
        hi80=float(row["hi80"]),
        mean=cr["mean"],
        p10=cr["p10"],
        p50=cr["p50"],
        p90=cr["p90"],
        recommended=rec is not None and rec == method,
        wape=float(wape.get(method, float("nan"))),
        tested=int(bt["quarter"].nunique()) if len(bt) and "quarter" in bt else 0,
        week=int(week),
        forecast=fq,
        backtest=bt,
    )


def outside_statements(
    data: SalesData, st: pd.DataFrame, *, quarter: str, as_of: object | None = None
) -> pd.DataFrame:
    """The quarter's bookings that no statement covers, by rep and why.

    Parameters
    ----------
    data
        The sales data.
    st
        :func:`statements` rows (``rep_id``).
    quarter, as_of
        The quarter and what is known (deals closed up to ``as_of``).

    Returns
    -------
    DataFrame
        ``rep_id, rep_name, hire_date, role, bookings, reason`` (``no quota``: no quota for
        the quarter; ``no plan``: a quota but no plan for the role), largest first.

    Examples
    --------
    >>> outside_statements(data, statements(data, plans, quarter="2026Q3"), quarter="2026Q3")  # doctest: +SKIP
    """
    start, stop = _stop(data, quarter, as_of)
    won = booked(data, start, stop)
    by_rep = won.groupby("rep_id")["amount"].sum()
    out_ids = by_rep.index.difference(pd.Index(st["rep_id"]))
    q = data.quotas
    with_quota = (
        set(q.loc[(q["period"] == quarter) & (q["quota"] > 0), "rep_id"])
        if q is not None
        else set()
    )
    reps = data.reps.drop_duplicates("rep_id").set_index("rep_id")
    rows = pd.DataFrame(
        {
            "rep_id": out_ids,
            "rep_name": [
                str(reps["rep_name"].get(r, r)) if "rep_name" in reps else str(r) for r in out_ids
            ],
            "hire_date": [
                reps["hire_date"].get(r) if "hire_date" in reps else None for r in out_ids
            ],
            "role": [reps["role"].get(r) if "role" in reps else None for r in out_ids],
            "bookings": by_rep.reindex(out_ids).to_numpy(dtype=float),
            "reason": ["no plan" if r in with_quota else "no quota" for r in out_ids],
        }
    )
    return rows.sort_values(["bookings", "rep_name"], ascending=[False, True]).reset_index(
        drop=True
    )


def spiff_counts(
    data: SalesData,
    plans: list[CompPlan],
    *,
    quarter: str,
    quarters: list[str],
    as_of: object | None = None,
    st: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """How often each SPIFF of ``plans`` paid: this quarter, in the replayed quarters, ever.

    A SPIFF pays once per won deal of its product and/or size owned by a rep the plan
    covers; this quarter's count is over the reps with a statement (``st``, when given).

    Parameters
    ----------
    data
        The sales data.
    plans
        The plans whose SPIFFs are counted (e.g. the current ones).
    quarter, as_of
        The reported quarter and what is known.
    quarters
        The replayed quarters.
    st
        The quarter's :func:`statements` (None: every rep the plan covers counts).

    Returns
    -------
    DataFrame
        ``plan, spiff, amount, rule`` (in words), ``paid`` (this quarter), ``paid_amount``,
        ``replayed`` (won deals in ``quarters`` that qualify) and ``ever`` (won deals up to
        ``as_of`` that qualify), one row per SPIFF.
    """
    won = won_deals(data)
    stop = _stop(data, quarter, as_of)[1]
    won = won[won["close_date"] <= stop]
    roles = (
        data.reps.drop_duplicates("rep_id").set_index("rep_id")["role"]
        if "role" in data.reps
        else pd.Series(dtype=object)
    )
    qlab = data.calendar.quarters_of(won["close_date"])
    rows = []
    for p in plans:
        covered = won["rep_id"].map(roles).map(lambda r, p=p: p.applies_to(r)).fillna(False)
        mine = won[covered.to_numpy(dtype=bool)]
        mine_q = qlab[covered.to_numpy(dtype=bool)]
        for s in p.spiffs:
            ok = pd.Series(True, index=mine.index)
            if s.product:
                ok &= mine["product"] == s.product
            if s.min_amount is not None:
                ok &= mine["amount"] >= s.min_amount
            now = ok & (mine_q == quarter).to_numpy()
            if st is not None:
                now &= mine["rep_id"].isin(st.loc[st["plan"] == p.name, "rep_id"])
            paid = int(now.sum())
            rule = listing_rule(s)
            rows.append(
                {
                    "plan": p.name,
                    "spiff": s.name,
                    "amount": s.amount,
                    "rule": rule,
                    "paid": paid,
                    "paid_amount": paid * s.amount,
                    "replayed": int((ok & mine_q.isin(quarters).to_numpy()).sum()),
                    "ever": int(ok.sum()),
                }
            )
    return pd.DataFrame(
        rows, columns=["plan", "spiff", "amount", "rule", "paid", "paid_amount", "replayed", "ever"]
    )


def listing_rule(s: Spiff) -> str:
    """A SPIFF's rule in words: ``won deal of Suite``, ``won deal of $250K or more``.

    Parameters
    ----------
    s
        The SPIFF (its product and minimum deal amount, either or both blank).

    Returns
    -------
    str
        ``won deal``, then ``of <product>`` and/or ``of <amount> or more`` joined by ``and``;
        just ``won deal`` when the SPIFF pays on every won deal. The amount is shown in
        dollars (:func:`~salesops_lib.format.money`'s default currency).
    """
    parts = []
    if s.product:
        parts.append(f"of {s.product}")
    if s.min_amount is not None:
        parts.append(f"of {money(s.min_amount)} or more")
    return "won deal " + " and ".join(parts) if parts else "won deal"


def replay_quarters(data: SalesData, *, as_of: object, n: int = 4) -> list[str]:
    """The quarters among the last ``n`` complete ones on ``as_of`` that have quotas (oldest first).

    Parameters
    ----------
    data
        The sales data (its calendar and the ``quotas`` table's ``period``).
    as_of
        The date whose latest complete quarter is the last one looked at.
    n
        How many complete quarters are looked at; fewer are returned when some have no
        quotas.

    Returns
    -------
    list of str
        Quarter labels; empty without quotas.

    Examples
    --------
    >>> replay_quarters(data, as_of="2026-09-30")  # doctest: +SKIP
    ['2025Q4', '2026Q1', '2026Q2', '2026Q3']
    """
    cal = data.calendar
    last = cal.latest_complete_quarter(pd.Timestamp(as_of))  # type: ignore[arg-type]
    q = data.quotas
    has = set(q["period"].unique()) if q is not None and len(q) else set()
    return [cal.shift(last, -k) for k in range(n - 1, -1, -1) if cal.shift(last, -k) in has]


# ---------------------------------------------------------------------------------------
# what-ifs: a candidate plan, or a change to the current one, against the current plan

CHANGE_KEYS = ("name", "plan", "tier", "rate", "floor", "threshold", "cap")
"""The keys of a plan change (:func:`candidate_plan`); a mapping with ``ote`` is a full plan."""


def plan_dict(plan: CompPlan) -> dict[str, Any]:
    """A plan as the config table :meth:`CompPlan.from_dict` reads (the inverse of it).

    Parameters
    ----------
    plan
        Any plan.

    Returns
    -------
    dict
        ``name, roles, ote, base_share, mode, tiers, threshold, cap, spiffs, weights, current,
        pipeline_multiple``; ``CompPlan.from_dict(plan_dict(p)) == p``.

    Examples
    --------
    >>> p = CompPlan.from_dict({"name": "AE", "ote": 200_000, "base_share": 0.5})
    >>> CompPlan.from_dict(plan_dict(p)) == p
    True
    """
    return {
        "name": plan.name,
        "roles": list(plan.roles),
        "ote": plan.ote,
        "base_share": plan.base_share,
        "mode": plan.mode,
        "tiers": [{"from": t.start, "to": t.end, "rate": t.rate} for t in plan.tiers],
        "threshold": plan.threshold,
        "cap": plan.cap,
        "spiffs": [
            {"name": s.name, "amount": s.amount, "product": s.product, "min_amount": s.min_amount}
            for s in plan.spiffs
        ],
        "weights": dict(plan.weights),
        "current": plan.current,
        "pipeline_multiple": plan.pipeline_multiple,
    }


def _changed(spec: Mapping[str, Any], base: CompPlan, name: str) -> dict[str, Any]:
    """The base plan's table with the change applied (a tier's rate or floor, threshold, cap)."""
    d = plan_dict(base) | {"name": name, "current": False}
    for key in ("threshold", "cap"):
        if key in spec:
            d[key] = spec[key]
    if "rate" in spec or "floor" in spec:
        if "tier" not in spec:
            raise ConfigError(
                f"plan change {name!r}: a rate or floor needs the tier it changes "
                f"(tier = 1 to {len(base.tiers)})"
            )
        try:
            i = int(spec["tier"]) - 1
        except (TypeError, ValueError):
            raise ConfigError(f"plan change {name!r}: tier must be a tier number") from None
        if not 0 <= i < len(base.tiers):
            raise ConfigError(
                f"plan change {name!r}: {base.name!r} has tiers 1 to {len(base.tiers)}, "
                f"not {spec['tier']}"
            )
        tiers = d["tiers"]
        if "rate" in spec:
            tiers[i]["rate"] = spec["rate"]
        if "floor" in spec:
            if i == 0:
                raise ConfigError(f"plan change {name!r}: the first tier always starts at 0")
            tiers[i]["from"] = spec["floor"]
            tiers[i - 1]["to"] = spec["floor"]
    elif "tier" in spec:
        raise ConfigError(f"plan change {name!r}: tier {spec['tier']} needs a rate or a floor")
    return d


def candidate_plan(spec: Mapping[str, Any], current: list[CompPlan]) -> CompPlan:
    """A candidate plan: a full plan table, or a change to a current plan.

    Parameters
    ----------
    spec
        A full ``[[comp.plans]]`` table (it has ``ote``), or a change of a current plan:
        ``name`` (default: what changes), ``plan`` (the current plan changed; default the
        only current one), ``tier`` with its new ``rate`` and/or ``floor`` (where it starts;
        the tier below then ends there), ``threshold``, ``cap`` (``none``: none).
    current
        The current plans (:func:`current_plans`).

    Returns
    -------
    CompPlan
        Never marked current; a change keeps the base plan's roles, OTE and SPIFFs.

    Raises
    ------
    ConfigError
        For an unknown key (the message lists :data:`CHANGE_KEYS`, or a plan's keys), an
        unknown base plan or tier, or a plan the change makes invalid.

    Examples
    --------
    >>> base = CompPlan.from_dict({"name": "AE", "ote": 2e5, "base_share": 0.5, "current": True,
    ...     "tiers": [{"from": 0, "to": 1, "rate": 1}, {"from": 1, "rate": 2}]})
    >>> candidate_plan({"name": "Richer tier 2", "tier": 2, "rate": 1.8}, [base]).tiers[1].rate
    1.8
    """
    if "ote" in spec:
        return CompPlan.from_dict({**dict(spec), "current": False})
    label = str(spec.get("name", "")).strip() or "plan change"
    check_names(spec, CHANGE_KEYS, f"key of a plan change {label!r}")
    if "plan" in spec:
        base = next((p for p in current if p.name == spec["plan"]), None)
        if base is None:
            names = ", ".join(p.name for p in current) or "none"
            raise ConfigError(
                f"plan change {label!r}: no current plan {spec['plan']!r}; current: {names}"
            )
    elif len(current) == 1:
        base = current[0]
    else:
        names = ", ".join(p.name for p in current) or "none"
        raise ConfigError(
            f"plan change {label!r}: name the current plan it changes (plan = one of: {names})"
        )
    what = [f"{k} {spec[k]}" for k in ("tier", "rate", "floor", "threshold", "cap") if k in spec]
    name = str(spec.get("name", "")).strip() or f"{base.name}, " + ", ".join(what)
    return CompPlan.from_dict(_changed(spec, base, name))


COMPARE_COLUMNS = (
    "plan",
    "against",
    "roles",
    "reps",
    "bookings",
    "cost",
    "cost_of_sales",
    "pay_correlation",
    "current_cost",
    "current_cost_of_sales",
    "current_pay_correlation",
    "cost_change",
    "cost_of_sales_change",
    "pay_correlation_change",
)


def compare_plans(
    data: SalesData,
    current: list[CompPlan],
    candidates: list[CompPlan],
    *,
    quarters: str | list[str],
) -> pd.DataFrame:
    """Each candidate against the current plans on the same rep-quarters of real deals.

    A candidate replaces the current plan of its roles; the reps it pays are paid again
    under the current plans, so the difference is like for like.

    Parameters
    ----------
    data
        The sales data (with quotas for ``quarters``).
    current
        The current plans (:func:`current_plans`).
    candidates
        The plans to weigh (:func:`candidate_plan`); names distinct from the current ones.
    quarters
        The quarters replayed (one label is one quarter).

    Returns
    -------
    DataFrame
        One row per candidate, :data:`COMPARE_COLUMNS`: ``against`` names the current plans
        of the same reps; ``cost`` is variable pay and SPIFFs summed over the quarters,
        ``cost_of_sales`` cost ÷ bookings, ``pay_correlation`` over the rep-quarters; each
        ``*_change`` is the candidate's figure minus the current one.

    Raises
    ------
    ConfigError
        When a candidate shares a current plan's name.

    Examples
    --------
    >>> compare_plans(data, cur, [cand], quarters=["2026Q2", "2026Q3"])["cost_change"]  # doctest: +SKIP
    """
    qs = [data.quarter_label(q) for q in ([quarters] if isinstance(quarters, str) else quarters)]
    taken = {p.name for p in current}
    for c in candidates:
        if c.name in taken:
            raise ConfigError(f"candidate plan {c.name!r} has the name of a current plan")
    now = pd.concat(
        [statements(data, current, quarter=q).assign(quarter=q) for q in qs], ignore_index=True
    )
    rows = []
    for cand in candidates:
        scenario = [cand] + [p for p in current if not set(p.roles) & set(cand.roles)]
        st = pd.concat(
            [statements(data, scenario, quarter=q).assign(quarter=q) for q in qs],
            ignore_index=True,
        )
        st = st[st["plan"] == cand.name]
        same = now.merge(st[["rep_id", "quarter"]], on=["rep_id", "quarter"])
        a = plan_metrics(st, plans=[cand])
        b = plan_metrics(same, plans=current)
        rows.append(
            {
                "plan": cand.name,
                "against": ", ".join(sorted(same["plan"].unique())),
                "roles": ", ".join(cand.roles),
                "reps": a["reps"],
                "bookings": a["bookings"],
                "cost": a["cost"],
                "cost_of_sales": a["cost_of_sales"],
                "pay_correlation": a["pay_correlation"],
                "current_cost": b["cost"],
                "current_cost_of_sales": b["cost_of_sales"],
                "current_pay_correlation": b["pay_correlation"],
                "cost_change": a["cost"] - b["cost"],
                "cost_of_sales_change": a["cost_of_sales"] - b["cost_of_sales"],
                "pay_correlation_change": a["pay_correlation"] - b["pay_correlation"],
            }
        )
    return pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))
