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

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from salesops_lib.data import SalesData
from salesops_lib.errors import ConfigError
from salesops_lib.timeline import booked

MEASURES = ("bookings", "pipeline_created")


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

        Raises
        ------
        ConfigError
            Naming the plan and the key that is wrong.
        """
        name = str(d.get("name", "")).strip() or "unnamed plan"

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
        raw_tiers = d.get("tiers") or [{"from": 0.0, "to": None, "rate": 1.0}]
        tiers = []
        for i, t in enumerate(raw_tiers):
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
        threshold = d.get("threshold")
        cap = d.get("cap")
        threshold = None if threshold in (None, "", "none") else float(threshold)
        cap = None if cap in (None, "", "none") else float(cap)
        if cap is not None and threshold is not None and cap < threshold:
            raise bad("cap is below threshold")
        spiffs = tuple(
            Spiff(
                str(s.get("name", "SPIFF")),
                float(s["amount"]),
                s.get("product"),
                None if s.get("min_amount") is None else float(s["min_amount"]),
            )
            for s in d.get("spiffs", []) or []
        )
        weights = {str(k): float(v) for k, v in (d.get("weights") or {"bookings": 1.0}).items()}
        if set(weights) - set(MEASURES):
            raise bad(
                f"weights may use {', '.join(MEASURES)}; got {', '.join(sorted(set(weights) - set(MEASURES)))}"
            )
        if abs(sum(weights.values()) - 1) > 1e-9:
            raise bad("weights must sum to 1")
        roles = d.get("roles") or ["*"]
        roles = (roles,) if isinstance(roles, str) else tuple(str(r) for r in roles)
        return cls(
            name,
            roles,
            ote,
            base_share,
            tuple(tiers),
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

    def tier_pay(self, attainment: np.ndarray | float) -> np.ndarray:
        """Quarterly variable pay by tier: an array of shape (len(attainment), len(tiers))."""
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

    def payout(self, attainment: np.ndarray | float) -> np.ndarray:
        """Quarterly variable pay in currency for each attainment (SPIFFs apart).

        Examples
        --------
        >>> plan = CompPlan.from_dict({"name": "AE", "ote": 200_000, "base_share": 0.5,
        ...     "tiers": [{"from": 0, "to": 1.0, "rate": 1.0}, {"from": 1.0, "to": None, "rate": 2.0}]})
        >>> plan.payout([0.5, 1.0, 1.5]).tolist()
        [12500.0, 25000.0, 50000.0]
        """
        return self.tier_pay(attainment).sum(axis=1)

    def applies_to(self, role: object) -> bool:
        """Whether the plan covers a rep of this role."""
        return "*" in self.roles or (isinstance(role, str) and role in self.roles)


def load_plans(config: dict[str, Any]) -> list[CompPlan]:
    """Plans from a config's ``[[comp.plans]]``.

    Raises
    ------
    ConfigError
        When there are none, or a plan is invalid.
    """
    items = (config.get("comp") or {}).get("plans") or []
    if not items:
        raise ConfigError(
            "the config has no [[comp.plans]]: add the plans to evaluate to salesops.toml"
        )
    return [CompPlan.from_dict(i) for i in items]


def current_plans(plans: list[CompPlan]) -> list[CompPlan]:
    """The plans marked ``current = true`` (or the first plan per role when none is)."""
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
    """The first plan covering a role (specific roles before ``*``)."""
    specific = [p for p in plans if isinstance(role, str) and role in p.roles]
    if specific:
        return specific[0]
    anyone = [p for p in plans if "*" in p.roles]
    return anyone[0] if anyone else None


def _measures(data: SalesData, quarter: str) -> pd.DataFrame:
    start, end = data.calendar.bounds(quarter)
    o = data.opportunities
    won = booked(data, start, end)
    made = o[(o["created_date"] >= start) & (o["created_date"] <= end)]
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
        }
    )
    out[["bookings", "pipeline_created"]] = out[["bookings", "pipeline_created"]].fillna(0.0)
    return out


def _spiffs(data: SalesData, plan: CompPlan, quarter: str) -> pd.Series:
    """SPIFF pay per rep for the quarter's won deals under a plan."""
    if not plan.spiffs:
        return pd.Series(dtype=float)
    start, end = data.calendar.bounds(quarter)
    won = booked(data, start, end)
    total = pd.Series(0.0, index=pd.Index(won["rep_id"].unique()))
    for s in plan.spiffs:
        ok = pd.Series(True, index=won.index)
        if s.product:
            ok &= won["product"] == s.product
        if s.min_amount is not None:
            ok &= won["amount"] >= s.min_amount
        total = total.add(won[ok].groupby("rep_id").size() * s.amount, fill_value=0.0)
    return total


def statements(data: SalesData, plans: list[CompPlan], *, quarter: str) -> pd.DataFrame:
    """Each rep's pay statement for a quarter under the plan for their role.

    Returns
    -------
    DataFrame
        Per rep with a quota: ``rep_id, rep_name, team, role, plan, quota, bookings,
        attainment, base, variable_target, pay_tier_1 ... pay_tier_n, variable_pay, spiffs,
        total_pay, payout_pct``. ``variable_pay`` is the sum of the tier columns (over every
        measure), ``total_pay`` = base + variable_pay + spiffs, ``payout_pct`` = variable_pay /
        variable_target.
    """
    m = _measures(data, quarter)
    m = m[m["quota"].notna() & (m["quota"] > 0)]
    reps = data.reps.drop_duplicates("rep_id").set_index("rep_id").reindex(m.index)
    n_tiers = max(len(p.tiers) for p in plans)
    spiffs = {p.name: _spiffs(data, p, quarter) for p in plans}
    role = reps["role"] if "role" in reps else pd.Series(None, index=m.index, dtype=object)
    by_role = {r: plan_for(plans, r) for r in pd.unique(role.astype(object))}
    plan_of = [by_role.get(r) for r in role.astype(object)]
    frames = []
    for plan in {id(p): p for p in plan_of if p is not None}.values():
        mine = np.array([p is plan for p in plan_of], dtype=bool)
        r = m[mine]
        tier_pay = np.zeros((len(r), n_tiers))
        for measure, w in plan.weights.items():
            multiple = plan.pipeline_multiple if measure == "pipeline_created" else 1.0
            att = (r[measure] / (r["quota"] * multiple)).to_numpy(dtype=float)
            tier_pay[:, : len(plan.tiers)] += w * plan.tier_pay(att)
        variable = tier_pay.sum(axis=1)
        spiff = spiffs[plan.name].reindex(r.index).fillna(0.0).to_numpy(dtype=float)
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
        *[f"pay_tier_{i + 1}" for i in range(n_tiers)],
        "variable_pay",
        "spiffs",
        "total_pay",
        "payout_pct",
    ]
    return rows.reindex(columns=columns) if len(rows) else pd.DataFrame(columns=columns)


def plan_metrics(
    st: pd.DataFrame, plan_of_rep: pd.Series | None = None, plans: list[CompPlan] | None = None
) -> dict[str, float]:
    """Cost and pay-for-performance figures of a set of statements.

    Returns
    -------
    dict
        ``variable_pay, spiffs, cost`` (variable + SPIFFs), ``bookings``, ``cost_of_sales``
        (cost / bookings), ``rank_correlation`` (Spearman, attainment vs variable pay),
        ``top_quartile_share`` (variable pay share of the top 25% by attainment),
        ``below_threshold_pay`` (variable pay of reps below their plan's threshold), ``at_cap``.
    """
    from scipy import stats

    cost = st["variable_pay"].sum() + st["spiffs"].sum()
    q75 = st["attainment"].quantile(0.75)
    top = st[st["attainment"] >= q75]
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
    corr = (
        stats.spearmanr(st["attainment"], st["variable_pay"]).statistic if len(st) > 2 else np.nan
    )
    return {
        "reps": float(len(st)),
        "variable_pay": float(st["variable_pay"].sum()),
        "spiffs": float(st["spiffs"].sum()),
        "cost": float(cost),
        "bookings": float(st["bookings"].sum()),
        "cost_of_sales": float(cost / st["bookings"].sum()) if st["bookings"].sum() > 0 else np.nan,
        "rank_correlation": float(corr),
        "top_quartile_share": float(top["variable_pay"].sum() / st["variable_pay"].sum())
        if st["variable_pay"].sum() > 0
        else np.nan,
        "below_threshold_pay": float(st.loc[st["attainment"] < thr, "variable_pay"].sum()),
        "at_cap": float((st["attainment"] >= cap).sum()),
    }


def replay(data: SalesData, plans: list[CompPlan], *, quarters: list[str]) -> pd.DataFrame:
    """The real deals of ``quarters`` paid under each candidate plan, side by side.

    Each candidate replaces the plan of its roles; reps of other roles keep their current plan.

    Returns
    -------
    DataFrame
        One row per candidate plan with :func:`plan_metrics` over all quarters (cost and
        bookings summed, the other figures over rep-quarters).
    """
    current = current_plans(plans)
    rows = []
    for cand in plans:
        scenario = [cand] + [p for p in current if not set(p.roles) & set(cand.roles)]
        frames = [statements(data, scenario, quarter=q).assign(quarter=q) for q in quarters]
        st = pd.concat(frames, ignore_index=True)
        st = st[st["plan"] == cand.name]
        met = plan_metrics(st, plans=plans)
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

    Returns
    -------
    dict
        ``p10, p50, p90, mean`` of the cost (variable pay + SPIFFs are left out).
    """
    rng = np.random.default_rng(seed)
    sd = max((bookings_hi80 - bookings_lo80) / (2 * 1.2816), 1e-9)
    last4 = [data.calendar.shift(quarter, -k) for k in range(4, 0, -1)]
    o = data.opportunities
    won = o[o["is_won"].fillna(False).astype(bool)]
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
    """Write statements as ``<stem>.csv`` and ``<stem>.xlsx`` (one sheet per team) in ``folder``."""
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
