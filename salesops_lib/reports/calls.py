"""Report 03's section "How good are the reps' calls, and who may miss quota?".

:func:`calls_section` returns a :class:`Calls`: each rep's Commit-call bias at weeks 4 and
8 of the past quarters, this quarter's call beside the call calibrated by each rep's record
(by team and for the company, against quota), and the reps whose chance of reaching quota
is low. The computations are in :mod:`salesops_lib.analysis.calls`; every sentence here is
a function of the frames beside it (tested in ``tests/test_calls.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis import calls as ca
from salesops_lib.analysis.bridge import valuation
from salesops_lib.analysis.forecast import as_of_for_week
from salesops_lib.data import SalesData
from salesops_lib.errors import SalesOpsDataError
from salesops_lib.format import pct
from salesops_lib.reports.base import MoneyFormat, bold, count, listing, money_in
from salesops_lib.reports.tables import Column, Table, TableSpec

NO_TEAM = "(no team)"
COMPANY = "Company"
VERDICT_BAND = 0.10
"""A judged rep whose week-8 bias is within ±10% calls "about right"."""
TOO_FEW = "too few quarters to judge"

REP_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("team", "Team"),
        Column("quarters", "Quarters", "int"),
        Column("bias_4", "Bias at week 4", "pct"),
        Column("bias_8", "Bias at week 8", "pct"),
        Column("verdict", "Verdict"),
    ),
    max_rows=40,
    ends=True,
)
TEAM_SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("quota", "Quota", "money"),
        Column("booked", "Booked so far", "money"),
        Column("call", "Commit call", "money"),
        Column("calibrated", "Calibrated call", "money"),
        Column("calibrated_attainment", "Calibrated call / quota", "pct"),
        Column("bias", "Past bias", "pct"),
    )
)
RISK_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("team", "Team"),
        Column("quota", "Quota", "money"),
        Column("booked", "Booked so far", "money"),
        Column("open_pipeline", "Open pipeline", "money"),
        Column("expected", "Expected", "money"),
        Column("chance", "Chance of quota", "pct"),
    ),
    max_rows=40,
)

DEFINITIONS: dict[str, str] = {
    "Rep's call": (
        "What the rep has booked in the quarter so far plus the rep's open deals in forecast "
        "category Commit with an expected close date in the quarter, as the history snapshot "
        "of that day showed them (past quarters: at the end of week 4 and week 8)."
    ),
    "Call bias": (
        "Over the rep's past quarters, the calls minus what the rep booked in those quarters, "
        "over what the rep booked (Σ(call − booked) / Σ booked: summed, so a quarter with a "
        "tiny actual cannot dominate). Above 0: the rep called more than was booked "
        "(optimistic); below 0: less (cautious). Reps with fewer than 3 quarters of calls "
        "are not judged."
    ),
    "Calibrated call": (
        "This quarter's call times the rep's past ratio of booked to call at the same week "
        "of the quarter, shrunk toward the team's ratio: (n × rep's ratio + 3 × team's ratio) "
        "/ (n + 3), n the rep's quarters of calls; a rep without a record gets the team's "
        "ratio."
    ),
    "Chance of quota": (
        "The share of 2,000 simulated quarters in which the rep reaches quota: bookings so "
        "far, plus each open deal won with the win model's chance independently, plus the "
        "rep's share of the expected bookings from deals not yet created (shared as the reps "
        "booked from deals created in the quarter they closed over the past four quarters; "
        "by quota without such bookings), drawn as "
        "a Poisson number of new won deals of the rep's average size over the past year. "
        "Deals are taken as independent, so the simulated chances run more extreme (nearer 0% "
        "or 100%) than a quarter's ups and downs shared by the whole team make them; each is "
        "then moved to what the record shows: a logistic fit of who reached quota on the "
        "simulated chance over the reps of the six quarters before at the same week (Platt "
        "scaling; from 40 rep-quarters on, else the simulated chance stands). It keeps the "
        "reps' order."
    ),
    "Rep at risk": "A rep with a quota whose chance of reaching it is below 30%.",
}


@dataclass(frozen=True)
class Calls:
    """Everything the section shows (a field of report 03's result).

    Attributes
    ----------
    past
        :func:`~salesops_lib.analysis.calls.past_calls` rows (the calls read).
    reps
        Each rep's bias at week 4 and 8 (``REP_SPEC``).
    sentence
        The reps' calls in a sentence.
    teams
        This quarter's call and calibrated call by team and for the company, against quota.
    calibrated_sentence
        The calibrated call in a sentence.
    at_risk
        The reps whose chance of reaching quota is below 30%.
    at_risk_sentence
        The reps at risk in a sentence (None without quotas: the section's gap says so).
    calibration_test
        The company's raw and calibrated call at the same week of earlier quarters against
        the outcome (:func:`~salesops_lib.analysis.calls.calibration_backtest`).
    chances
        Every rep's chance of reaching quota
        (:func:`~salesops_lib.analysis.calls.quota_chances`).
    definitions
        The section's terms.
    risk_record_sentence
        How the chances fared at the same week of earlier quarters (:func:`risk_record`).
    risk_record
        Per earlier quarter: reps scored, their mean chance, the share that reached quota,
        reps below 30% and how many of them reached quota anyway.
    """

    past: pd.DataFrame
    reps: Table
    sentence: str
    teams: Table
    calibrated_sentence: str | None
    at_risk: Table
    at_risk_sentence: str | None
    calibration_test: pd.DataFrame
    chances: pd.DataFrame
    definitions: dict[str, str]
    risk_record_sentence: str | None = None
    risk_record: pd.DataFrame | None = None


def calls_section(
    data: SalesData, *, quarter: str, as_of: pd.Timestamp, week: int, quarters: int = 8
) -> Calls:
    """The reps' calls: past bias, this quarter's calibrated call and the reps at risk.

    Parameters
    ----------
    data
        The data set (a team's, for a team's report).
    quarter
        The quarter forecast.
    as_of
        The report's day.
    week
        Its week of the quarter: the calibration uses past calls at the same week.
    quarters
        Past quarters read.

    Returns
    -------
    Calls
    """
    fmt = money_in(data.currency)
    names, team_of = _names(data), _teams(data)
    weeks = tuple(sorted({*ca.CALL_WEEKS, week}))
    past = ca.past_calls(data, before=quarter, quarters=quarters, weeks=weeks)
    by_rep = ca.call_accuracy(past)
    by_team = ca.call_accuracy(past, key=team_of)
    total = ca.call_accuracy(past.assign(rep_id=COMPANY))
    rows = rep_rows(by_rep, names, team_of)
    now = ca.rep_calls(data, quarter=quarter, as_of=as_of)
    quota = _quotas(data, quarter)
    teams = team_rows(now, by_rep, by_team, total, team_of, quota, week)
    record = risk_record(data, before=quarter, week=week)
    simulated = chances_on(data, quarter, as_of)
    moved = ca.calibrated_chances(simulated["chance"].to_numpy(), record_fit(record.attrs["pairs"]))
    chances = _named(
        simulated.assign(simulated_chance=simulated["chance"], chance=moved), names, team_of
    )
    risky = chances[chances["chance"] < ca.AT_RISK].reset_index(drop=True)
    cur, known = data.currency, _has_categories(data)
    tested = ca.calibration_backtest(
        data, before=quarter, week=week, team_of=team_of, history=quarters
    )
    return Calls(
        past=past,
        reps=Table(
            rows, REP_SPEC, "Reps' Commit calls against what they booked" if len(rows) else "", cur
        ),
        sentence=calls_sentence(
            rows,
            _company_bias(total),
            has_categories=known,
            has_history=data.history is not None,
        ),
        teams=Table(
            teams,
            TEAM_SPEC,
            f"{quarter} Commit call and calibrated call on {as_of.date()}; past bias at week "
            f"{week} of earlier quarters"
            if len(teams)
            else "",
            cur,
        ),
        calibrated_sentence=calibrated_sentence(
            teams,
            quarter,
            week,
            fmt,
            has_categories=known,
            tested=tested,
            shown_now=categories_now(data, quarter, as_of) if teams.empty and known else None,
        ),
        at_risk=Table(
            risky,
            RISK_SPEC,
            f"Reps below a {pct(ca.AT_RISK)} chance of reaching their {quarter} quota"
            if len(risky)
            else "",
            cur,
        ),
        at_risk_sentence=at_risk_sentence(chances, quarter, fmt),
        risk_record_sentence=risk_record_sentence(record, week),
        risk_record=record,
        calibration_test=tested,
        chances=chances,
        definitions=DEFINITIONS,
    )


def chances_on(data: SalesData, quarter: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each rep in seat's chance of reaching the quarter's quota as known on ``as_of``.

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter.
    as_of
        The day (booked so far, the deals open then with the win model's chances, the
        allowance for deals not yet created).

    Returns
    -------
    DataFrame
        :func:`~salesops_lib.analysis.calls.quota_chances` for the reps still in seat.
    """
    val = valuation(data, quarter=quarter, as_of=as_of, method="win_model")
    chances = ca.quota_chances(
        _booked_by_rep(data, val.booked),
        val.open,
        _quotas(data, quarter),
        allowance=val.allowance,
        deal_size=_deal_sizes(data, quarter),
        share_by=_new_deal_bookings(data, quarter),
    )
    return _in_seat(data, chances, as_of)


RECORD_WARMUP = 2
"""Earlier quarters the record reads before the ones it scores, only to recalibrate them."""


def risk_record(data: SalesData, *, before: str, week: int, quarters: int = 4) -> pd.DataFrame:
    """How the chances of reaching quota fared in earlier quarters, against who reached it.

    The chances are worked out the same way (:func:`chances_on`) at the same week of up to
    ``quarters`` complete quarters before ``before``, each recalibrated on the rep-quarters
    of the quarters read before it alone (:func:`~salesops_lib.analysis.calls.recalibration`;
    :data:`RECORD_WARMUP` more quarters are read first for that): no quarter's own outcome
    moves its chances.

    Parameters
    ----------
    data
        The data set.
    before
        The quarter forecast: only quarters before it are read.
    week
        The week of the quarter the chances are worked out at, as today's chances stand at
        it (:func:`~salesops_lib.analysis.forecast.as_of_for_week`: week 0 is the day before
        the quarter starts), so the record shares the forecast backtest's deal chances.
    quarters
        Earlier quarters scored.

    Returns
    -------
    DataFrame
        One row per quarter scored: ``quarter, reps, mean_chance`` (recalibrated),
        ``simulated_chance`` (the mean before recalibration), ``reached`` (the share
        of the reps scored who booked their quota), ``at_risk`` (reps below 30%) and
        ``at_risk_reached`` (how many of those booked their quota anyway). ``attrs["pairs"]``:
        every quarter read, ``quarter, rep_id, chance`` (simulated) ``, reached``.
    """
    rows: list[dict[str, object]] = []
    pairs: list[pd.DataFrame] = []
    done = [q for q in data.full_quarters() if q < before][-(quarters + RECORD_WARMUP) :]
    for i, q in enumerate(done):
        start, end = data.calendar.bounds(q)
        if _quotas(data, q).empty:
            continue
        day = as_of_for_week(data, q, week)  # the day today's chances stand at in their quarter
        try:
            ch = chances_on(data, q, day)
        except SalesOpsDataError:  # too little history before that quarter to fit the model
            continue
        if ch.empty:
            continue
        won = timeline.booked(data, start, end, ["rep_id", "amount"])
        made = won.groupby("rep_id")["amount"].sum().reindex(ch["rep_id"]).fillna(0.0)
        reached = made.to_numpy() >= ch["quota"].to_numpy() - 0.005
        chance = ca.calibrated_chances(ch["chance"].to_numpy(), record_fit(pairs))
        pairs.append(
            pd.DataFrame(
                {"quarter": q, "rep_id": ch["rep_id"], "chance": ch["chance"], "reached": reached}
            )
        )
        if i < len(done) - quarters:  # read only to recalibrate the quarters after it
            continue
        risky = chance < ca.AT_RISK
        rows.append(
            {
                "quarter": q,
                "reps": len(ch),
                "mean_chance": float(chance.mean()),
                "simulated_chance": float(ch["chance"].mean()),
                "reached": float(reached.mean()),
                "at_risk": int(risky.sum()),
                "at_risk_reached": int((risky & reached).sum()),
            }
        )
    cols = ["quarter", "reps", "mean_chance", "simulated_chance", "reached", "at_risk"]
    out = pd.DataFrame(rows, columns=[*cols, "at_risk_reached"])
    out.attrs["pairs"] = (
        pd.concat(pairs, ignore_index=True)
        if pairs
        else pd.DataFrame(columns=["quarter", "rep_id", "chance", "reached"])
    )
    return out


def record_fit(pairs: list[pd.DataFrame] | pd.DataFrame | None) -> tuple[float, float] | None:
    """The recalibration of the chances on earlier rep-quarters (None: too few of them).

    Parameters
    ----------
    pairs
        Earlier rep-quarters: ``chance`` (simulated) and ``reached``, one frame or several.

    Returns
    -------
    tuple of float or None
        :func:`~salesops_lib.analysis.calls.recalibration` of them.
    """
    if pairs is None or (isinstance(pairs, list) and not pairs):
        return None
    frame = pd.concat(pairs, ignore_index=True) if isinstance(pairs, list) else pairs
    if frame.empty:
        return None
    return ca.recalibration(
        frame["chance"].to_numpy(dtype=float), frame["reached"].to_numpy(dtype=float)
    )


def risk_record_sentence(record: pd.DataFrame, week: int) -> str | None:
    """How the chances of reaching quota fared in earlier quarters, in a sentence.

    Parameters
    ----------
    record
        :func:`risk_record`.
    week
        The week of the quarter the chances were worked out at.

    Returns
    -------
    str or None
        None without an earlier quarter to test on.

    Examples
    --------
    >>> rec = pd.DataFrame({"quarter": ["2026Q2"], "reps": [50], "mean_chance": [0.4],
    ...                     "reached": [0.5], "at_risk": [20], "at_risk_reached": [5]})
    >>> risk_record_sentence(rec, 0)
    'Tested the same way at week 0 of 2026Q2: the chances averaged 40% while 50% of the 50 reps scored reached quota; of the 20 reps given less than 30%, 5 (25%) reached it anyway. The chances run low: read them as a ranking of who needs help, not as odds.'
    """
    if record.empty:
        return None
    n = int(record["reps"].sum())
    mean = float((record["mean_chance"] * record["reps"]).sum() / n)
    reached = float((record["reached"] * record["reps"]).sum() / n)
    risky, made = int(record["at_risk"].sum()), int(record["at_risk_reached"].sum())
    qs = listing([str(q) for q in record["quarter"]])
    which = f"week {week} of {qs}"
    unit = "rep" if len(record) == 1 else "rep-quarter"  # a rep counts once per quarter
    tail = (
        f"of the {count(risky, unit)} given less than {pct(ca.AT_RISK)}, {made} ({pct(made / risky)}) "
        "reached it anyway"
        if risky
        else f"no rep was given less than {pct(ca.AT_RISK)}"
    )
    verdict = ""
    if reached - mean > 0.05:
        verdict = " The chances run low: read them as a ranking of who needs help, not as odds."
    elif mean - reached > 0.05:
        verdict = " The chances run high: more reps fall short than they say."
    return (
        f"Tested the same way at {which}: the chances averaged {pct(mean)} while {pct(reached)} "
        f"of the {count(n, unit)} scored reached quota; {tail}.{verdict}"
    )


def _names(data: SalesData) -> pd.Series:
    r = data.reps.set_index("rep_id")
    return r["rep_name"].astype("str") if "rep_name" in r else pd.Series(r.index, index=r.index)


def _teams(data: SalesData) -> pd.Series:
    r = data.reps.set_index("rep_id")
    if "team" not in r:
        return pd.Series(NO_TEAM, index=r.index)
    return r["team"].astype("object").where(r["team"].notna(), NO_TEAM)


def _has_categories(data: SalesData) -> bool:
    for frame in (data.history, data.opportunities):
        if (
            frame is not None
            and "forecast_category" in frame
            and frame["forecast_category"].notna().any()
        ):
            return True
    return False


def _quotas(data: SalesData, quarter: str) -> pd.Series:
    return timeline.quotas_of(data, quarter)


def _booked_by_rep(data: SalesData, won: pd.DataFrame) -> pd.Series:
    rep = data.opportunities.set_index("opp_id")["rep_id"]
    return won.assign(rep_id=won["opp_id"].map(rep)).groupby("rep_id")["amount"].sum()


def _deal_sizes(data: SalesData, quarter: str) -> pd.Series:
    """Each rep's average won deal over the year before ``quarter`` (by ``rep_id``)."""
    start, _ = data.calendar.bounds(quarter)
    won = timeline.booked(
        data, start - pd.DateOffset(years=1), start - pd.Timedelta(days=1), ["rep_id", "amount"]
    )
    return won.groupby("rep_id")["amount"].mean()


def _new_deal_bookings(data: SalesData, quarter: str, quarters: int = 4) -> pd.Series:
    """What each rep booked over the last ``quarters`` complete quarters from deals created
    in the quarter they closed (by ``rep_id``): how the allowance for new deals is shared."""
    parts = []
    for q in [x for x in data.full_quarters() if x < quarter][-quarters:]:
        start, end = data.calendar.bounds(q)
        won = timeline.booked(data, start, end, ["rep_id", "amount", "created_date"])
        parts.append(won[won["created_date"] >= start])
    if not parts:
        return pd.Series(dtype="float64")
    return pd.concat(parts).groupby("rep_id")["amount"].sum().astype("float64")


def _in_seat(data: SalesData, chances: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Only reps still in seat on ``as_of`` (a rep who left has no quarter to reach)."""
    r = data.reps.set_index("rep_id")
    if "end_date" not in r:
        return chances
    left = chances["rep_id"].map(r["end_date"])
    return chances[left.isna() | (left >= as_of)].reset_index(drop=True)


def _named(frame: pd.DataFrame, names: pd.Series, team_of: pd.Series) -> pd.DataFrame:
    out = frame.copy()
    out.insert(1, "rep_name", out["rep_id"].map(names).fillna(out["rep_id"]))
    out.insert(2, "team", out["rep_id"].map(team_of).fillna(NO_TEAM))
    return out


def _company_bias(total: pd.DataFrame) -> pd.DataFrame:
    return total.xs(COMPANY, level="group") if len(total) else total


def rep_rows(by_rep: pd.DataFrame, names: pd.Series, team_of: pd.Series) -> pd.DataFrame:
    """One row per rep: quarters of calls, bias at week 4 and 8, and a verdict.

    Parameters
    ----------
    by_rep
        :func:`~salesops_lib.analysis.calls.call_accuracy` per rep (index ``group, week``).
    names, team_of
        Each rep's name and team, indexed by ``rep_id``.

    Returns
    -------
    DataFrame
        ``rep_id, rep_name, team, quarters, bias_4, bias_8, verdict``; the bias of a rep
        with fewer than 3 quarters is blank and the verdict says "too few quarters to
        judge". Most optimistic first (week 8), the unjudged last.
    """
    cols = ["rep_id", "rep_name", "team", "quarters", "bias_4", "bias_8", "verdict"]
    if by_rep.empty:
        return pd.DataFrame(columns=cols)
    at = {
        w: by_rep.xs(w, level="week")
        for w in ca.CALL_WEEKS
        if w in by_rep.index.get_level_values("week")
    }
    reps = by_rep.index.get_level_values("group").unique()
    out = pd.DataFrame({"rep_id": reps})
    out["quarters"] = (
        out["rep_id"].map(by_rep.groupby(level="group")["quarters"].max()).astype("int64")
    )
    for w in ca.CALL_WEEKS:
        bias = out["rep_id"].map(at[w]["bias"]) if w in at else pd.Series(np.nan, index=out.index)
        out[f"bias_{w}"] = bias.where(out["quarters"] >= ca.MIN_QUARTERS).astype("float64")
    out["verdict"] = [verdict(b, n) for b, n in zip(out["bias_8"], out["quarters"], strict=True)]
    out.insert(1, "rep_name", out["rep_id"].map(names).fillna(out["rep_id"]))
    out.insert(2, "team", out["rep_id"].map(team_of).fillna(NO_TEAM))
    judged = out["quarters"] >= ca.MIN_QUARTERS
    out = out.assign(_j=~judged, _b=-out["bias_8"].fillna(0.0))
    return out.sort_values(["_j", "_b", "rep_name"], kind="stable")[cols].reset_index(drop=True)


def verdict(bias: float, quarters: int) -> str:
    """A rep's calls in a word or three, from the bias at week 8.

    Parameters
    ----------
    bias
        The bias at week 8 (NaN: unknown).
    quarters
        Quarters of calls.

    Returns
    -------
    str
        "too few quarters to judge", "optimistic", "cautious", "about right" (within ±10%)
        or "no bookings to compare" (bias unknown).
    """
    if quarters < ca.MIN_QUARTERS:
        return TOO_FEW
    if not np.isfinite(bias):
        return "no bookings to compare"
    if bias > VERDICT_BAND:
        return "optimistic"
    if bias < -VERDICT_BAND:
        return "cautious"
    return "about right"


def _direction(bias: float) -> str:
    return f"{pct(abs(bias))} {'above' if bias > 0 else 'below'}"


def calls_sentence(
    rows: pd.DataFrame, company: pd.DataFrame, *, has_categories: bool, has_history: bool
) -> str:
    """The reps' past Commit calls in a sentence: overall bias, most optimistic and cautious.

    Parameters
    ----------
    rows
        :func:`rep_rows`.
    company
        :func:`~salesops_lib.analysis.calls.call_accuracy` of the whole company, indexed by
        week (``quarters, bias``).
    has_categories
        Whether the data has forecast categories at all.
    has_history
        Whether it has history snapshots.

    Returns
    -------
    str
        Without calls, why there are none.
    """
    if rows.empty or company.empty:
        if not has_categories:
            return "The data has no forecast categories (Commit, Best Case), so there are no reps' calls to judge."
        if not has_history:
            return (
                "The data has no history snapshots, so the forecast categories of past quarters, "
                "and with them the reps' past calls, are not known: their accuracy cannot be judged."
            )
        return "No complete earlier quarter has a snapshot at week 4 or 8 with forecast categories: the reps' calls cannot be judged yet."
    parts = []
    for w in ca.CALL_WEEKS:
        if w in company.index and np.isfinite(company.loc[w, "bias"]):
            n = int(company.loc[w, "quarters"])
            parts.append((w, n, float(company.loc[w, "bias"])))
    if not parts:
        return "The reps booked nothing in the quarters their calls were read, so the calls' bias is not known."
    w, n, b = parts[-1]
    out = f"Reps' Commit calls at week {w} ran {bold(_direction(b))} what they booked over {count(n, 'quarter')}"
    if len(parts) > 1:
        out += f" (at week {parts[0][0]}: {_direction(parts[0][2])})"
    judged = rows[rows["verdict"] != TOO_FEW].dropna(subset=["bias_8"])
    if len(judged):
        hi, lo = judged.loc[judged["bias_8"].idxmax()], judged.loc[judged["bias_8"].idxmin()]
        if hi["bias_8"] > 0:
            out += f"; the most optimistic: {hi['rep_name']} ({_direction(float(hi['bias_8']))})"
        if lo["bias_8"] < 0:
            out += f"; the most cautious: {lo['rep_name']} ({_direction(float(lo['bias_8']))})"
    out += "."
    few = int((rows["verdict"] == TOO_FEW).sum())
    if few:
        out += f" {count(few, 'rep')} {'has' if few == 1 else 'have'} too few quarters to judge (fewer than {ca.MIN_QUARTERS})."
    return out


def team_rows(
    now: pd.DataFrame,
    by_rep: pd.DataFrame,
    by_team: pd.DataFrame,
    total: pd.DataFrame,
    team_of: pd.Series,
    quota: pd.Series,
    week: int,
) -> pd.DataFrame:
    """This quarter's Commit call and calibrated call by team, then the company, against quota.

    Parameters
    ----------
    now
        :func:`~salesops_lib.analysis.calls.rep_calls` on the report's day.
    by_rep, by_team, total
        :func:`~salesops_lib.analysis.calls.call_accuracy` per rep, per team and for the
        company (index ``group, week``).
    team_of
        Each rep's team, indexed by ``rep_id``.
    quota
        The quarter's quota by ``rep_id``.
    week
        The report's week of the quarter: the past calls at this week calibrate.

    Returns
    -------
    DataFrame
        ``team, quota, booked, call, calibrated, calibrated_attainment, bias`` (the team's
        past bias at ``week``), one row per team and a last ``Company`` row; ``calibrated``
        is blank without past calls; empty without calls this quarter.
    """
    cols = ["team", "quota", "booked", "call", "calibrated", "calibrated_attainment", "bias"]
    if now.empty:
        return pd.DataFrame(columns=cols)

    def at(acc: pd.DataFrame) -> pd.DataFrame:
        if acc.empty or week not in acc.index.get_level_values("week"):
            return pd.DataFrame(columns=["quarters", "ratio", "bias"], dtype="float64")
        return acc.xs(week, level="week")

    rep_acc, team_acc, company = at(by_rep), at(by_team), at(total)
    ratio = float(company["ratio"].iloc[0]) if len(company) else float("nan")
    cal = ca.calibrated_calls(now, rep_acc, team_acc["ratio"], team_of, company_ratio=ratio)
    if rep_acc.empty:
        cal["calibrated"] = np.nan
    cal["booked"] = now["booked_so_far"].to_numpy()
    q = quota.rename_axis("rep_id").reset_index(name="quota")
    q["team"] = q["rep_id"].map(team_of).fillna(NO_TEAM)
    g = cal.groupby("team")
    out = pd.DataFrame(
        {
            "booked": g["booked"].sum(),
            "call": g["call"].sum(),
            "calibrated": g["calibrated"].sum(min_count=1),
        }
    ).join(q.groupby("team")["quota"].sum(min_count=1), how="outer")
    out["bias"] = out.index.map(team_acc["bias"]) if len(team_acc) else np.nan
    out = out.fillna({"booked": 0.0, "call": 0.0})
    company_row = pd.DataFrame(
        {
            "booked": [out["booked"].sum()],
            "call": [out["call"].sum()],
            "calibrated": [out["calibrated"].sum(min_count=1)],
            "quota": [out["quota"].sum(min_count=1)],
            "bias": [float(company["bias"].iloc[0]) if len(company) else np.nan],
        },
        index=[COMPANY],
    )
    out = pd.concat([out.sort_index(), company_row]).rename_axis("team").reset_index()
    has_quota = out["quota"] > 0
    out["calibrated_attainment"] = (out["calibrated"] / out["quota"].where(has_quota)).astype(
        "float64"
    )
    return out[cols]


def categories_now(data: SalesData, quarter: str, as_of: pd.Timestamp) -> pd.Series:
    """The quarter's open pipeline on ``as_of`` by the forecast category the export shows.

    Without a snapshot of the categories on ``as_of`` these are the deals' categories as the
    data stands on its last date (deals closed since show their closing category, not
    counted here).

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter.
    as_of
        The report's day.

    Returns
    -------
    Series
        Amount by category, ``Commit`` then ``Best Case`` (0 when none); ``attrs``:
        ``deals`` (count by category) and ``last`` (the data's last date).
    """
    pipe = timeline.open_pipeline(data, quarter=quarter, as_of=as_of)
    cats = ("Commit", "Best Case")
    cat = pipe.get("forecast_category", pd.Series(pd.NA, index=pipe.index)).astype("object")
    out = pd.Series(
        [float(pipe.loc[cat == c, "amount"].sum()) for c in cats], index=list(cats), dtype=float
    )
    out.attrs["deals"] = {c: int((cat == c).sum()) for c in cats}
    out.attrs["last"] = data.last_date
    return out


def categories_now_sentence(shown: pd.Series, quarter: str, fmt: MoneyFormat) -> str:
    """What is known of the reps' call without a snapshot of the day: today's categories.

    Parameters
    ----------
    shown
        :func:`categories_now`.
    quarter
        The quarter.
    fmt
        The money formatter.

    Returns
    -------
    str

    Examples
    --------
    ``The export keeps the deals' forecast categories only as they stand on 2026-05-14, not
    as the reps set them on the report's day: of the 2026Q2 pipeline, $121K (3 deals) is in
    Commit and $224K (6 deals) in Best Case now. That is today's call, too late to test or
    calibrate against the report's day.``
    """
    deals = shown.attrs.get("deals", {})
    last = pd.Timestamp(shown.attrs.get("last")).date()
    parts = [
        f"{fmt(float(shown[c]))} ({count(int(deals.get(c, 0)), 'deal')}) "
        f"{'is in' if i == 0 else 'in'} {c}"
        for i, c in enumerate(shown.index)
    ]
    return (
        f"The export keeps the deals' forecast categories only as they stand on {last}, not as "
        f"the reps set them on the report's day: of the {quarter} pipeline, "
        f"{listing(parts)} now. That is today's call, so it is not set against the forecast "
        "or corrected by the reps' record."
    )


def calibrated_sentence(
    teams: pd.DataFrame,
    quarter: str,
    week: int,
    fmt: MoneyFormat,
    *,
    has_categories: bool = True,
    tested: pd.DataFrame | None = None,
    shown_now: pd.Series | None = None,
) -> str | None:
    """The company's call and calibrated call in a sentence, with the team furthest from quota.

    Parameters
    ----------
    teams
        :func:`team_rows` (its last row the company).
    quarter
        The quarter.
    week
        The report's week of the quarter.
    fmt
        The money formatter.
    has_categories
        Whether the data has forecast categories at all.
    tested
        :func:`~salesops_lib.analysis.calls.calibration_backtest` (None or empty: not said).
    shown_now
        Without calls this quarter: :func:`categories_now` (what the export shows instead).

    Returns
    -------
    str or None
        Without calls this quarter, what the export shows of the categories now
        (:func:`categories_now_sentence`), else that the call is not known (None when the data has no
        forecast categories at all: :func:`calls_sentence` says so).
    """
    if teams.empty:
        if not has_categories:
            return None
        if shown_now is not None and float(shown_now.sum()) > 0:
            return categories_now_sentence(shown_now, quarter, fmt)
        return (
            "No snapshot or record shows the forecast categories of the deals open on the "
            f"report's day, so the reps' {quarter} Commit call is not known."
        )
    c = teams.iloc[-1]
    out = (
        f"The reps' {quarter} Commit call is {bold(fmt(float(c['call'])))} "
        f"({fmt(float(c['booked']))} booked so far plus their Commit deals)"
    )
    if not np.isfinite(float(c["calibrated"])):
        return out + ": with no past calls to learn from, it cannot be calibrated."
    out += (
        f"; corrected by each rep's record at week {week} of past quarters"
        f"{' (the day before they started)' if week == 0 else ''}, it comes to "
        f"{bold(fmt(float(c['calibrated'])))}"
    )
    if float(c["quota"]) > 0:
        out += f", {pct(float(c['calibrated_attainment']))} of the {fmt(float(c['quota']))} quota"
    out += "."
    t = teams.iloc[:-1].dropna(subset=["calibrated_attainment"])
    if len(t) > 1:
        low = t.loc[t["calibrated_attainment"].idxmin()]
        out += (
            f" Furthest from quota: {low['team']} at {pct(float(low['calibrated_attainment']))} "
            f"({fmt(float(low['calibrated']))} of {fmt(float(low['quota']))})."
        )
    words = tested_words(tested, week)
    return f"{out} {words}" if words else out


def tested_words(tested: pd.DataFrame | None, week: int) -> str | None:
    """How far the raw and the calibrated call at ``week`` missed earlier quarters' outcomes.

    Parameters
    ----------
    tested
        :func:`~salesops_lib.analysis.calls.calibration_backtest` rows.
    week
        The week of quarter.

    Returns
    -------
    str or None
        The mean absolute error of each, as a share of the outcome; None without a
        quarter with bookings.
    """
    if tested is None:
        return None
    t = tested[(tested["actual"] > 0) & tested["calibrated"].notna()]
    if t.empty:
        return None
    raw = float(((t["call"] - t["actual"]).abs() / t["actual"]).mean())
    cal = float(((t["calibrated"] - t["actual"]).abs() / t["actual"]).mean())
    better = "closer than" if cal < raw else "no closer than"
    return (
        f"Tested on {count(len(t), 'earlier quarter')} at week {week}, each calibrated only with "
        f"the quarters before it, the calibrated call missed the outcome by {pct(cal)} on "
        f"average, {better} the raw call ({pct(raw)})."
    )


def at_risk_sentence(chances: pd.DataFrame, quarter: str, fmt: MoneyFormat) -> str | None:
    """The reps at risk of missing quota in a sentence.

    Parameters
    ----------
    chances
        :func:`~salesops_lib.analysis.calls.quota_chances` with ``rep_name`` (reps in seat).
    quarter
        The quarter.
    fmt
        The money formatter.

    Returns
    -------
    str or None
        None without quotas for ``quarter``: the section's own line says what is missing
        (report 03's gap), once.
    """
    if chances.empty:
        return None
    risky = chances[chances["chance"] < ca.AT_RISK]
    n = len(chances)
    if risky.empty:
        return f"Every one of the {count(n, 'rep')} with a {quarter} quota has at least a {pct(ca.AT_RISK)} chance of reaching it."
    gap = float((risky["quota"] - risky["expected"]).clip(lower=0).sum())
    shown = [str(x) for x in risky["rep_name"].head(3)]
    names = listing([*shown, f"{len(risky) - 3} more"] if len(risky) > 3 else shown)
    return (
        f"{bold(count(len(risky), 'rep'))} of {n} with a {quarter} quota "
        f"{'has' if len(risky) == 1 else 'have'} less than a {pct(ca.AT_RISK)} chance of reaching it "
        f"(lowest first: {names}); together they are expected to fall {fmt(gap)} short."
    )
