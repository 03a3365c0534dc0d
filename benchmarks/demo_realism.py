"""How believable is the demo company? Its figures, measured from the written CSV files.

Usage::

    python benchmarks/demo_realism.py [FOLDER] [--size small|large] [--seed N]

Without ``FOLDER`` the company of ``--size`` (default ``large``) is generated into a
temporary folder first (and the generation's wall time and peak memory are printed).

Everything here reads the files with pandas alone, not through ``salesops_lib``, so the
figures are what any analyst would compute from the CSV files:

- company attainment per complete quarter: won amounts closed in the quarter over the sum
  of that quarter's quotas;
- ramped reps (hired six months or more before the quarter starts, with a quota in the
  quarter): the share at or above quota, and the 95th percentile of attainment;
- quotas by fiscal year: the company's total over the same quarters of each year, and the
  median quarterly quota of ramped reps per segment;
- the Commit call at week 8 of each quarter (won so far plus open deals in Commit closing
  in the quarter, from the history snapshot of that week) against the quarter's bookings,
  for the company and per rep;
- reassigned deals (``reassigned_date`` on opportunities) and their consistency with the
  reps' hire and end dates.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HISTORY_COLUMNS = ["snapshot_date", "opp_id", "close_date", "forecast_category", "is_closed"]


def read_tables(folder: str | Path, *, snapshots: list[pd.Timestamp] | None = None) -> dict:
    """Read the demo's CSV files with pandas.

    Parameters
    ----------
    folder
        A folder written by ``salesops demo-data`` (CSV format).
    snapshots
        History snapshot dates to keep (history is read in chunks and filtered, so the
        large company's 20 million rows never sit in memory at once). Default: the
        week-8 snapshot of every quarter.

    Returns
    -------
    dict
        ``reps``, ``opportunities``, ``quotas`` and ``history`` frames, and ``extract``
        (the last history snapshot date, the data's "today").
    """
    folder = Path(folder)
    reps = pd.read_csv(folder / "reps.csv", parse_dates=["hire_date", "end_date"])
    opps = pd.read_csv(
        folder / "opportunities.csv",
        usecols=lambda c: (
            c
            in {
                "opp_id",
                "rep_id",
                "amount",
                "created_date",
                "close_date",
                "is_closed",
                "is_won",
                "reassigned_date",
            }
        ),
        parse_dates=["created_date", "close_date"],
    )
    if "reassigned_date" in opps:
        opps["reassigned_date"] = pd.to_datetime(opps["reassigned_date"])
    quotas = pd.read_csv(folder / "quotas.csv")
    closed_won = opps.loc[opps["is_won"], "close_date"]
    extract = closed_won.max()
    if snapshots is None:
        quarters = pd.period_range(closed_won.min(), extract, freq="Q")
        snapshots = [week_snapshot(q, 8) for q in quarters]
    keep = {pd.Timestamp(s) for s in snapshots}
    parts = []
    for chunk in pd.read_csv(
        folder / "history.csv",
        usecols=HISTORY_COLUMNS,
        parse_dates=["snapshot_date", "close_date"],
        chunksize=2_000_000,
    ):
        extract = max(extract, chunk["snapshot_date"].max())
        parts.append(chunk[chunk["snapshot_date"].isin(keep)])
    history = pd.concat(parts, ignore_index=True)
    return {
        "reps": reps,
        "opportunities": opps,
        "quotas": quotas,
        "history": history,
        "extract": extract,
    }


def week_snapshot(quarter: pd.Period, week: int) -> pd.Timestamp:
    """The Friday snapshot on or before ``week`` weeks into ``quarter`` (day 0 = its eve)."""
    as_of = quarter.start_time - pd.Timedelta(days=1) + pd.Timedelta(weeks=week)
    return as_of - pd.Timedelta(days=(as_of.weekday() - 4) % 7)


def complete_quarters(t: dict) -> list[str]:
    """Quarters with quotas that ended on or before the extract date."""
    periods = sorted(t["quotas"]["period"].unique())
    return [q for q in periods if pd.Period(q, freq="Q").end_time.normalize() <= t["extract"]]


def _won(t: dict) -> pd.DataFrame:
    o = t["opportunities"]
    won = o[o["is_won"] & o["is_closed"]].copy()
    won["quarter"] = won["close_date"].dt.to_period("Q").astype(str)
    return won


def company_attainment(t: dict) -> pd.DataFrame:
    """Bookings, quota and attainment of the company per complete quarter."""
    qs = complete_quarters(t)
    bookings = _won(t).groupby("quarter")["amount"].sum().reindex(qs, fill_value=0.0)
    quota = t["quotas"].groupby("period")["quota"].sum().reindex(qs)
    out = pd.DataFrame({"bookings": bookings, "quota": quota})
    out["attainment"] = out["bookings"] / out["quota"]
    out.index.name = "quarter"
    return out


def rep_attainment(t: dict) -> pd.DataFrame:
    """Attainment of every rep with a quota, per complete quarter, with a ``ramped`` flag."""
    qs = complete_quarters(t)
    won = _won(t).groupby(["rep_id", "quarter"])["amount"].sum()
    q = t["quotas"][t["quotas"]["period"].isin(qs)].rename(columns={"period": "quarter"})
    q = q.join(won.rename("bookings"), on=["rep_id", "quarter"])
    q["bookings"] = q["bookings"].fillna(0.0)
    q["attainment"] = q["bookings"] / q["quota"]
    reps = t["reps"].set_index("rep_id")
    start = q["quarter"].map(lambda x: pd.Period(x, freq="Q").start_time)
    hired = q["rep_id"].map(reps["hire_date"])
    q["segment"] = q["rep_id"].map(reps["segment"])
    q["ramped"] = (hired + pd.DateOffset(months=6)) <= start
    return q.reset_index(drop=True)


def ramped_share_at_quota(ra: pd.DataFrame) -> pd.Series:
    """Share of ramped reps at or above quota, per quarter."""
    r = ra[ra["ramped"]]
    return (r["attainment"] >= 1).groupby(r["quarter"]).mean()


def quota_growth(t: dict) -> pd.DataFrame:
    """Quotas per fiscal year over the quarters every year has (Q1 to the last complete).

    Columns: the company's total quota and the median quarterly quota of ramped reps per
    segment, and the year-over-year growth of the total.
    """
    ra = rep_attainment(t)
    ra["year"] = ra["quarter"].str[:4].astype(int)
    ra["q"] = ra["quarter"].str[-1].astype(int)
    full_years = ra.groupby("year")["q"].nunique()
    years = full_years.index[full_years.index > full_years.index.min()]  # the first is partial
    last_q = int(ra.loc[ra["year"] == years.max(), "q"].max())
    same = ra[ra["year"].isin(years) & (ra["q"] <= last_q)]
    out = same.groupby("year")["quota"].sum().rename(f"company_quota_Q1_Q{last_q}").to_frame()
    med = (
        same[same["ramped"]]
        .groupby(["year", "segment"])["quota"]
        .median()
        .unstack("segment")
        .add_prefix("median_ramped_")
    )
    out = out.join(med)
    out["growth"] = out.iloc[:, 0].pct_change()
    return out


def commit_accuracy(t: dict, *, week: int = 8) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Commit call at ``week`` against the quarter's bookings, company and per rep.

    The call is what was won from the quarter's first day to the snapshot plus the open
    deals the snapshot shows in Commit with a close date in the quarter.
    """
    o = t["opportunities"].set_index("opp_id")
    h = t["history"]
    won = _won(t)
    company, per_rep = [], []
    for q in complete_quarters(t):
        p = pd.Period(q, freq="Q")
        snap = week_snapshot(p, week)
        start, end = p.start_time, p.end_time.normalize()
        so_far = won[(won["close_date"] >= start) & (won["close_date"] <= snap)]
        s = h[(h["snapshot_date"] == snap) & ~h["is_closed"]]
        s = s[(s["forecast_category"] == "Commit") & s["close_date"].between(start, end)]
        s = s.assign(
            rep_id=o["rep_id"].reindex(s["opp_id"]).to_numpy(),
            amount=o["amount"].reindex(s["opp_id"]).to_numpy(),
        )
        actual = won[won["quarter"] == q]
        call_rep = (
            so_far.groupby("rep_id")["amount"]
            .sum()
            .add(s.groupby("rep_id")["amount"].sum(), fill_value=0.0)
        )
        act_rep = actual.groupby("rep_id")["amount"].sum()
        reps = pd.DataFrame({"call": call_rep, "actual": act_rep}).fillna(0.0)
        reps["quarter"] = q
        per_rep.append(reps.rename_axis("rep_id").reset_index())
        company.append(
            {
                "quarter": q,
                "snapshot": snap.date(),
                "won_so_far": so_far["amount"].sum(),
                "open_commit": s["amount"].sum(),
                "call": so_far["amount"].sum() + s["amount"].sum(),
                "actual": actual["amount"].sum(),
            }
        )
    c = pd.DataFrame(company).set_index("quarter")
    c["error"] = c["call"] / c["actual"] - 1
    r = pd.concat(per_rep, ignore_index=True)
    r = r[r["actual"] > 0].assign(error=lambda x: x["call"] / x["actual"] - 1)
    return c, r


def reassignment_check(t: dict) -> dict:
    """Counts of reassigned deals and of deals whose owner and dates disagree.

    Every count but ``reassigned`` and ``open_reassigned`` should be zero: the current
    owner was employed on the date they received the deal, the deal was open then, no
    deal closed after its owner left, and no deal still open belongs to a rep who left.
    """
    o = t["opportunities"]
    reps = t["reps"].set_index("rep_id")
    hire = o["rep_id"].map(reps["hire_date"])
    left = o["rep_id"].map(reps["end_date"])
    got = o["reassigned_date"] if "reassigned_date" in o else pd.Series(pd.NaT, index=o.index)
    moved = got.notna()
    since = got.fillna(o["created_date"])
    open_ = ~o["is_closed"]
    return {
        "reassigned": int(moved.sum()),
        "open_reassigned": int((moved & open_).sum()),
        "received_before_hire": int((since < hire).sum()),
        "received_after_leaving": int((moved & (got >= left)).sum()),
        "received_after_close": int((moved & o["is_closed"] & (got > o["close_date"])).sum()),
        "received_before_created": int((moved & (got < o["created_date"])).sum()),
        "closed_after_owner_left": int((o["is_closed"] & (o["close_date"] > left)).sum()),
        "open_with_departed_owner": int((open_ & left.notna() & (left <= t["extract"])).sum()),
    }


def report(t: dict) -> None:
    """Print every figure."""
    pd.set_option("display.width", 140)
    ca = company_attainment(t)
    print("Company attainment per complete quarter")
    print(
        ca.assign(attainment=ca["attainment"].map("{:.1%}".format)).to_string(
            float_format="{:,.0f}".format
        )
    )
    in_band = ca["attainment"].between(0.85, 1.10).sum()
    by_q = ca["attainment"].groupby(ca.index.str[-1]).mean()
    print(f"in 85-110%: {in_band} of {len(ca)} quarters; median {ca['attainment'].median():.1%}")
    print("mean by quarter of year: " + ", ".join(f"Q{k} {v:.1%}" for k, v in by_q.items()))
    ra = rep_attainment(t)
    share = ramped_share_at_quota(ra)
    ramped = ra[ra["ramped"]]
    print("\nRamped reps at quota per quarter")
    per_q = pd.DataFrame(
        {
            "ramped_reps": ramped.groupby("quarter").size(),
            "at_quota": share.map("{:.0%}".format),
            "p95": ramped.groupby("quarter")["attainment"].quantile(0.95).map("{:.0%}".format),
            "max": ramped.groupby("quarter")["attainment"].max().map("{:.0%}".format),
        }
    )
    print(per_q.to_string())
    print(
        f"median share at quota {share.median():.0%}; p95 of ramped attainment (all quarters) "
        f"{ramped['attainment'].quantile(0.95):.0%}; above 200%: "
        f"{(ramped['attainment'] > 2).mean():.1%} of rep-quarters"
    )
    print("\nQuotas by fiscal year")
    qg = quota_growth(t)
    qg["growth"] = qg["growth"].map(lambda g: "" if pd.isna(g) else f"{g:+.1%}")
    print(qg.to_string(float_format="{:,.0f}".format))
    c, r = commit_accuracy(t)
    print("\nCommit call at week 8 against the quarter's bookings")
    print(c.assign(error=c["error"].map("{:+.1%}".format)).to_string(float_format="{:,.0f}".format))
    print(f"within +-15%: {(c['error'].abs() <= 0.15).sum()} of {len(c)} quarters")
    big = r[r["actual"] >= r.groupby("quarter")["actual"].transform("median") * 0.25]
    qs = big["error"].quantile([0.1, 0.25, 0.5, 0.75, 0.9])
    print(
        "per rep (reps with bookings): error percentiles 10/25/50/75/90: "
        + " / ".join(f"{v:+.0%}" for v in qs)
    )
    print("\nReassigned deals")
    for k, v in reassignment_check(t).items():
        print(f"  {k}: {v:,}")


def _generate(size: str, seed: int, out: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "salesops_lib.run.cli",
        "demo-data",
        str(out),
        "--size",
        size,
        "--seed",
        str(seed),
    ]
    t0 = time.perf_counter()
    res = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=True
    )
    peak_kb = int(res.stderr.strip().splitlines()[-1])
    print(
        f"generated the {size} company (seed {seed}) in {time.perf_counter() - t0:.1f} s, "
        f"peak memory {peak_kb / 1024**2:.2f} GB\n"
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", nargs="?", help="a demo folder (default: generate one)")
    p.add_argument("--size", default="large", choices=["small", "large"])
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    if args.folder:
        report(read_tables(args.folder))
        return
    with tempfile.TemporaryDirectory(prefix="demo_realism_") as tmp:
        _generate(args.size, args.seed, Path(tmp) / "demo")
        report(read_tables(Path(tmp) / "demo"))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
