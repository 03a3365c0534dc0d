"""The synthetic demo company: realistic, deterministic CRM data with known truth.

:func:`generate` writes one file per canonical table plus a ``truth/`` folder holding the
generating process's expected values (expected bookings per quarter, each rep's true win
propensity), so tests can grade forecasts and rankings against what was really "meant".

How the company works
---------------------
- Seats (territories) in teams and regions; each team sells to one segment group.
  Commercial teams sell to SMB and Mid-Market, Enterprise teams to Enterprise.
- Reps occupy seats; they leave at a monthly hazard (attrition) and are backfilled after a
  gap; new seats open during the period (headcount growth). New hires ramp linearly to full
  deal creation over four months.
- Each rep has a true win propensity (skill), a productivity (deal creation rate) and an
  optimism (how early they commit deals and how short they plan cycles).
- Deals are created daily (Poisson) with monthly seasonality and growth; amounts are
  lognormal by segment and product; cycles are gamma by segment. Won deals that would close
  in the first ten days of a quarter are often pulled into the last days of the previous
  quarter (more so at fiscal year end): strong quarter ends and strong fourth quarters.
- A share of deals are "zombies": they stall at a stage, their close date is pushed a few
  times and then left past due, and they are closed lost in a clean-up months later.
- Open deals carry an expected close date that is pushed when it passes (slipped deals),
  a stage, a probability and a forecast category chosen with the rep's optimism.
- Weekly history snapshots (Fridays) record every open deal, and each deal once more on
  the first snapshot after it closed.
- Quotas per rep and quarter are the expected bookings of a typical-skill rep in the same
  seat and tenure, stretched, so about 60-70% of ramped reps attain in a typical quarter.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from scipy import stats

from salesops_lib.periods import FiscalCalendar

SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
MEAN_AMOUNT = np.array([12_000.0, 40_000.0, 120_000.0])
WEEKLY_DEALS = np.array([3.8, 2.5, 1.3])  # per fully ramped rep of average productivity
WON_CYCLE_DAYS = np.array([35.0, 65.0, 110.0])
BASE_WIN_RATE = np.array([0.32, 0.27, 0.22])
SKILL_SD = 0.45
CYCLE_SHAPE = 3.0
ZOMBIE_SHARE = 0.05
RAMP_DAYS = 4 * 30.4
MONTHLY_ATTRITION = 0.013
GROWTH_PER_YEAR = 0.04
QUOTA_STRETCH = 0.68
PULL_DAYS = 10
PULL_SHARE = 0.40
PULL_SHARE_YEAR_END = 0.60
CREATION_SEASON = np.array([0.85, 0.90, 1.05, 0.95, 1.0, 1.05, 0.85, 0.85, 1.05, 1.15, 1.15, 0.80])
OPEN_STAGES = ("Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation")
STAGES = OPEN_STAGES + ("Closed Won", "Closed Lost")
STAGE_PROBABILITY = (0.10, 0.20, 0.40, 0.60, 0.80)
WON_STAGE_FRACTION = np.array([0.0, 0.12, 0.30, 0.55, 0.80])
LOST_LAST_STAGE_P = np.array([0.30, 0.25, 0.20, 0.15, 0.10])
PRODUCTS = ("Core", "Pro", "Suite", "Add-on")
PRODUCT_MULT = np.array([1.0, 1.6, 2.5, 0.4])
PRODUCT_P = np.array([[0.5, 0.25, 0.05, 0.2], [0.35, 0.35, 0.15, 0.15], [0.2, 0.3, 0.4, 0.1]])
LEAD_SOURCES = ("Inbound", "Outbound", "Partner", "Event")
ACTIVITY_TYPES = ("Call", "Email", "Meeting", "Demo")
INDUSTRIES = (
    "Software",
    "Manufacturing",
    "Healthcare",
    "Retail",
    "Financial Services",
    "Education",
    "Logistics",
)
FIRST = (
    "José",
    "Zoë",
    "Siobhán",
    "Łukasz",
    "Chloé",
    "Renée",
    "Mia",
    "Liam",
    "Aisha",
    "Kenji",
    "Olivia",
    "Mateo",
    "Priya",
    "Noah",
    "Fatima",
    "Ethan",
    "Ingrid",
    "Diego",
    "Hannah",
    "Arjun",
    "Sofia",
    "Lucas",
    "Amara",
    "Oscar",
)
LAST = (
    "García",
    "O'Brien",
    "Nguyen",
    "Müller",
    "Smith",
    "Kowalski",
    "Rossi",
    "Okafor",
    "Tanaka",
    "Johansson",
    "van der Berg",
    "Dubois",
    "Patel",
    "Kim",
    "Silva",
    "Novak",
    "Haddad",
    "Murphy",
    "Schmidt",
    "Levy",
)
ACCOUNT_WORDS = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
    "Massive",
    "Dunder",
    "Pied Piper",
)
ACCOUNT_SUFFIX = (
    "Inc.",
    "GmbH",
    "Ltd",
    "S.A.",
    "& Sons",
    "Group",
    "Holdings",
    "Labs",
    "Corp.",
    "AG",
)


@dataclass(frozen=True)
class Size:
    """Shape of a demo company."""

    regions: tuple[str, ...]
    teams_per_segment_group: int  # per region, for each of Commercial and Enterprise
    seats_per_team: int
    rate_scale: float
    activity_scale: float
    chunk_seats: int


SIZES = {
    "small": Size(("East", "Central", "West"), 1, 10, 1.2, 1.0, 60),
    "large": Size(("East", "Central", "West", "EMEA", "APAC"), 20, 10, 2.75, 0.35, 100),
}
EXTRACT_DATE = pd.Timestamp("2026-11-13")  # a Friday: the last history snapshot
DATA_START = pd.Timestamp("2023-10-01")  # first day of the first of twelve complete quarters
SIM_START = pd.Timestamp("2023-01-01")  # warm-up: pipeline exists when the data starts


def generate(out: str | Path, *, size: str = "small", seed: int = 7, fmt: str = "csv") -> Path:
    """Write the demo company to ``out``.

    Parameters
    ----------
    out
        Folder to write into (created).
    size
        ``small`` (about 60 reps, 25,000 deals) or ``large`` (about 2,000 reps, 2 million deals).
    seed
        Random seed: the same seed gives the same bytes.
    fmt
        ``csv`` or ``parquet``.

    Returns
    -------
    Path
        The folder written.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, got {size!r}")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, got {fmt!r}")
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    spec = SIZES[size]
    cal = FiscalCalendar(1)
    days = _Timeline()
    root = np.random.SeedSequence(seed)
    seat_table = _seats(spec)
    n_chunks = int(np.ceil(len(seat_table) / spec.chunk_seats))
    chunk_seeds = root.spawn(n_chunks + 1)
    writers = _Writers(out, fmt)
    truth_reps, truth_by_rep = [], []
    company = np.zeros(days.n, dtype=float)
    rep_offset = opp_offset = acct_offset = act_offset = 0
    quarter_labels = cal.quarters_of(pd.Series(days.dates))
    for c in range(n_chunks):
        seats = seat_table.iloc[c * spec.chunk_seats : (c + 1) * spec.chunk_seats].reset_index(
            drop=True
        )
        rng = np.random.default_rng(chunk_seeds[c])
        chunk = _chunk(
            seats, spec, days, rng, rep_offset, opp_offset, acct_offset, act_offset, quarter_labels
        )
        for name, frame in chunk["tables"].items():
            writers.write(name, frame)
        truth_reps.append(chunk["truth_reps"])
        truth_by_rep.append(chunk["truth_by_rep"])
        company += chunk["company_expected"]
        rep_offset += chunk["rep_ids_used"]
        opp_offset += len(chunk["tables"]["opportunities"])
        acct_offset += len(chunk["tables"]["accounts"])
        act_offset += len(chunk["tables"]["activities"])
    writers.close()
    by_q = (
        pd.DataFrame({"quarter": quarter_labels, "expected": company})
        .groupby("quarter", sort=True)["expected"]
        .sum()
    )
    first_q = cal.quarter_of(DATA_START)
    last_q = cal.quarter_of(EXTRACT_DATE)
    by_q = by_q[(by_q.index >= first_q) & (by_q.index <= last_q)]
    pd.DataFrame({"quarter": by_q.index, "expected_bookings": by_q.round(2).to_numpy()}).to_csv(
        out / "truth" / "expected_bookings.csv", index=False
    )
    pd.concat(truth_reps, ignore_index=True).to_csv(out / "truth" / "reps.csv", index=False)
    tb = pd.concat(truth_by_rep, ignore_index=True)
    tb[(tb["quarter"] >= first_q) & (tb["quarter"] <= last_q)].to_csv(
        out / "truth" / "expected_bookings_by_rep.csv", index=False
    )
    (out / "truth" / "README.md").write_text(_TRUTH_README, encoding="utf-8")
    (out / "salesops.toml").write_text(_DEMO_CONFIG, encoding="utf-8")
    (out / "demo.json").write_text(
        json.dumps(
            {"size": size, "seed": seed, "format": fmt, "extract_date": str(EXTRACT_DATE.date())},
            indent=2,
        ),
        encoding="utf-8",
    )
    return out


_TRUTH_README = """# What the generating process meant

- `reps.csv`: each rep's true win propensity (`true_win_rate`: the chance that any deal they
  create, other than a stalled "zombie", is won), productivity (deal-creation multiplier) and
  optimism (how early they call deals Commit and how short they plan cycles).
- `expected_bookings.csv`: the expected value of bookings per fiscal quarter under the
  generating process (what an oracle forecast would say before the quarter starts).
- `expected_bookings_by_rep.csv`: the same by originating rep (deals open when a rep leaves
  pass to the next rep in the seat; these are counted for the originating rep here).
"""

_DEMO_CONFIG = """# Configuration of the demo company (written by `salesops demo-data`).
[data]
source = "."

[fiscal]
start_month = 1
currency = "USD"

[[stages]]
name = "Prospecting"
probability = 0.1
[[stages]]
name = "Qualification"
probability = 0.2
[[stages]]
name = "Discovery"
probability = 0.4
[[stages]]
name = "Proposal"
probability = 0.6
[[stages]]
name = "Negotiation"
probability = 0.8
[[stages]]
name = "Closed Won"
closed = true
won = true
probability = 1.0
[[stages]]
name = "Closed Lost"
closed = true
won = false
probability = 0.0

# Compensation plans: the current plan per role and a candidate to compare with it.
[[comp.plans]]
name = "Commercial AE 2026"
current = true
roles = ["Commercial AE"]
ote = 160000
base_share = 0.5
threshold = 0.5
cap = 2.5
mode = "marginal"
tiers = [{from = 0.0, to = 1.0, rate = 1.0}, {from = 1.0, to = 1.5, rate = 1.5}, {from = 1.5, rate = 2.0}]
spiffs = [{name = "Suite deal", amount = 500, product = "Suite"}]

[[comp.plans]]
name = "Commercial AE steeper"
roles = ["Commercial AE"]
ote = 160000
base_share = 0.5
threshold = 0.7
cap = 3.0
mode = "marginal"
tiers = [{from = 0.0, to = 1.0, rate = 0.8}, {from = 1.0, to = 1.5, rate = 2.0}, {from = 1.5, rate = 2.5}]

[[comp.plans]]
name = "Enterprise AE 2026"
current = true
roles = ["Enterprise AE"]
ote = 280000
base_share = 0.55
threshold = 0.4
cap = 3.0
mode = "marginal"
tiers = [{from = 0.0, to = 1.0, rate = 1.0}, {from = 1.0, rate = 1.6}]
spiffs = [{name = "Large deal", amount = 1500, min_amount = 250000}]

[[comp.plans]]
name = "Enterprise AE capped retroactive"
roles = ["Enterprise AE"]
ote = 280000
base_share = 0.55
cap = 2.0
mode = "retroactive"
tiers = [{from = 0.0, to = 1.0, rate = 1.0}, {from = 1.0, rate = 1.3}]
"""


class _Timeline:
    """Day index 0 = SIM_START; snapshots every Friday from DATA_START to EXTRACT_DATE."""

    def __init__(self) -> None:
        self.dates = pd.date_range(SIM_START, EXTRACT_DATE + pd.Timedelta(days=400), freq="D")
        self.n = len(self.dates)
        self.extract = int((EXTRACT_DATE - SIM_START).days)
        self.data_start = int((DATA_START - SIM_START).days)
        snaps = pd.date_range(DATA_START, EXTRACT_DATE, freq="W-FRI")
        self.snapshots = ((snaps - SIM_START).days).to_numpy()
        self.month = self.dates.month.to_numpy() - 1
        q = self.dates.to_period("Q-DEC")
        self.quarter_start = ((q.start_time - SIM_START).days).to_numpy()
        self.quarter_is_year_start = np.asarray(q.quarter) == 1

    def to_dates(self, idx: np.ndarray) -> np.ndarray:
        return (np.datetime64(SIM_START.date(), "D") + idx.astype("timedelta64[D]")).astype(
            "datetime64[D]"
        )


def _seats(spec: Size) -> pd.DataFrame:
    rows = []
    for region in spec.regions:
        for group in ("Commercial", "Enterprise"):
            for t in range(spec.teams_per_segment_group):
                team = f"{region} {group}" + (
                    f" {t + 1:02d}" if spec.teams_per_segment_group > 1 else ""
                )
                for s in range(spec.seats_per_team):
                    seg = (0 if s % 2 == 0 else 1) if group == "Commercial" else 2
                    rows.append(
                        {"region": region, "team": team, "group": group, "segment": seg, "seat": s}
                    )
    return pd.DataFrame(rows)


def _name(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct people's names; with more people than first-last pairs, middle initials too."""
    combos = len(FIRST) * len(LAST)
    if n <= combos:
        return [
            f"{FIRST[p // len(LAST)]} {LAST[p % len(LAST)]}" for p in rng.permutation(combos)[:n]
        ]
    out = []
    for p in rng.permutation(combos * 26)[:n]:
        pair, initial = p % combos, p // combos
        out.append(f"{FIRST[pair // len(LAST)]} {chr(65 + initial)}. {LAST[pair % len(LAST)]}")
    return out


def _chunk(
    seats, spec, days, rng, rep_offset, opp_offset, acct_offset, act_offset, quarter_labels
) -> dict:
    # ---- reps: occupants of each seat over time ------------------------------------------
    team_manager = {
        t: m
        for t, m in zip(
            sorted(seats["team"].unique()), _name(rng, seats["team"].nunique()), strict=True
        )
    }
    occ = []
    hazard = MONTHLY_ATTRITION / 30.4
    growth_seat = rng.random(len(seats)) < 0.12  # seats that open during the period
    for i, seat in seats.iterrows():
        if growth_seat[i]:
            hire = int(rng.integers(days.data_start - 60, days.extract - 60))
        else:
            ramping = rng.random() < 0.12
            hire = int(
                days.data_start - (rng.integers(10, 200) if ramping else rng.integers(200, 2200))
            )
        prev = None
        while hire <= days.extract:
            end = hire + int(rng.exponential(1 / hazard))
            occ.append(
                {
                    **seat.to_dict(),
                    "hire": hire,
                    "end": end if end <= days.extract else None,
                    "prev": prev,
                }
            )
            prev = len(occ) - 1
            if end > days.extract:
                break
            hire = end + int(rng.integers(20, 70))
    reps = pd.DataFrame(occ)
    nr = len(reps)
    reps["rep_id"] = [f"R{rep_offset + k + 1:05d}" for k in range(nr)]
    nxt = {p: k for k, p in enumerate(reps["prev"]) if p is not None and not pd.isna(p)}
    seg = reps["segment"].to_numpy().astype(int)
    logit = np.log(BASE_WIN_RATE[seg] / (1 - BASE_WIN_RATE[seg])) + rng.normal(0, SKILL_SD, nr)
    p_win = 1 / (1 + np.exp(-logit))
    productivity = rng.lognormal(-0.5 * 0.25**2, 0.25, nr)
    optimism = rng.normal(0, 1, nr)

    # ---- daily deal-creation rates -------------------------------------------------------
    d = np.arange(days.n)
    hire = reps["hire"].to_numpy()
    end = np.array([days.n if e is None or pd.isna(e) else int(e) for e in reps["end"]])
    tenure = d[None, :] - hire[:, None]
    employed = (tenure >= 0) & (d[None, :] < end[:, None])
    ramp = np.clip(tenure / RAMP_DAYS, 0, 1)
    trend = (1 + GROWTH_PER_YEAR) ** (d / 365.25)
    season = CREATION_SEASON[days.month]
    base = WEEKLY_DEALS[seg] / 7 * spec.rate_scale
    # the truth uses the full-horizon rate; deals are only created up to the extract date
    rate = base[:, None] * productivity[:, None] * ramp * employed * (trend * season)[None, :]
    counts = rng.poisson(rate * (d <= days.extract)[None, :])
    rep_idx, created = np.nonzero(counts)
    reps_rep = np.repeat(rep_idx, counts[rep_idx, created])
    created = np.repeat(created, counts[rep_idx, created])
    n = len(created)
    dseg = seg[reps_rep]

    # ---- deal outcomes and timing --------------------------------------------------------
    u = rng.random(n)
    cum = np.cumsum(PRODUCT_P, axis=1)[dseg]
    product = (u[:, None] > cum).sum(axis=1)
    mult = PRODUCT_MULT[product] / (PRODUCT_P @ PRODUCT_MULT)[dseg]
    sigma = 0.45
    amount_final = np.round(MEAN_AMOUNT[dseg] * mult * rng.lognormal(-0.5 * sigma**2, sigma, n), 0)
    amount_final = np.maximum(amount_final, 500.0)
    amount_first = np.round(amount_final * rng.lognormal(0.05, 0.2, n), -2)
    zombie = rng.random(n) < ZOMBIE_SHARE
    won = (rng.random(n) < p_win[reps_rep]) & ~zombie
    mean_cycle = WON_CYCLE_DAYS[dseg]
    cycle = np.where(
        won,
        rng.gamma(CYCLE_SHAPE, mean_cycle / CYCLE_SHAPE),
        rng.gamma(2.0, 0.8 * mean_cycle / 2.0),
    )
    cycle = np.where(zombie, rng.uniform(200, 400, n), cycle)
    close = created + np.maximum(np.ceil(cycle), 1).astype(int)
    # quarter-end pull-in of won deals
    safe_close = np.minimum(close, days.n - 1)
    qs = days.quarter_start[safe_close]
    in_window = (close - qs) < PULL_DAYS
    share = np.where(days.quarter_is_year_start[safe_close], PULL_SHARE_YEAR_END, PULL_SHARE)
    pulled_to = qs - 1 - rng.integers(0, 6, n)
    pull = won & in_window & (rng.random(n) < share) & (pulled_to >= created)
    close = np.where(pull, pulled_to, close)
    is_closed = close <= days.extract

    # keep deals that were open or closed on/after the data start
    keep = close >= days.data_start
    idx = np.flatnonzero(keep)
    (
        reps_rep,
        created,
        dseg,
        product,
        amount_final,
        amount_first,
        zombie,
        won,
        cycle,
        close,
        is_closed,
    ) = (
        a[idx]
        for a in (
            reps_rep,
            created,
            dseg,
            product,
            amount_final,
            amount_first,
            zombie,
            won,
            cycle,
            close,
            is_closed,
        )
    )
    n = len(idx)

    # stages reached and their entry days
    last_stage = np.where(
        won, 4, (rng.random(n)[:, None] > np.cumsum(LOST_LAST_STAGE_P)[None, :]).sum(axis=1)
    )
    span = np.where(zombie, np.minimum(cycle, 60), cycle)
    frac = np.where(
        won[:, None],
        WON_STAGE_FRACTION[None, :] * rng.uniform(0.85, 1.15, (n, 1)),
        np.arange(5)[None, :] / (last_stage[:, None] + 1),
    )
    entry = created[:, None] + np.floor(frac * span[:, None]).astype(int)
    entry = np.where(np.arange(5)[None, :] <= last_stage[:, None], entry, np.iinfo(np.int32).max)
    entry[:, 0] = created

    # expected close dates and their pushes
    opt = optimism[reps_rep]
    plan = mean_cycle_at(dseg) * np.exp(rng.normal(-0.15 * opt, 0.3, n))
    exp_close = created + np.maximum(np.round(plan), 7).astype(int)
    max_push = np.where(zombie, rng.integers(1, 4, n), 20)
    k_max = 12
    push_day = np.full((n, k_max), np.iinfo(np.int32).max, dtype=np.int64)
    push_val = np.zeros((n, k_max + 1), dtype=np.int64)
    push_val[:, 0] = exp_close
    cur = exp_close.copy()
    pushes = np.zeros(n, dtype=int)
    snaps = days.snapshots
    for k in range(k_max):
        notice_i = np.searchsorted(snaps, cur, side="right")
        notice = np.where(
            notice_i < len(snaps),
            snaps[np.minimum(notice_i, len(snaps) - 1)],
            np.iinfo(np.int32).max,
        )
        go = (cur < close) & (notice <= days.extract) & (notice < close) & (pushes < max_push)
        new = notice + rng.integers(14, 46, n)
        push_day[:, k] = np.where(go, notice, push_day[:, k])
        cur = np.where(go, new, cur)
        push_val[:, k + 1] = cur
        pushes += go
    expected_close_now = cur

    # ---- owners: deals still open when a rep leaves pass to the seat's next rep -------------
    owner = reps_rep.copy()
    for _ in range(5):
        ends = end[owner]
        moving = close > ends
        nxt_of = np.array([nxt.get(int(o), -1) for o in range(nr)])
        target = nxt_of[owner]
        moving &= target >= 0
        if not moving.any():
            break
        owner = np.where(moving, target, owner)

    # ---- accounts per seat ---------------------------------------------------------------
    seat_key = reps["team"] + "|" + reps["seat"].astype(str)
    seat_codes, seat_of_rep = np.unique(seat_key, return_inverse=True)
    acc_per_seg = np.array([40, 30, 15])
    seat_seg = np.zeros(len(seat_codes), dtype=int)
    seat_seg[seat_of_rep] = seg
    n_acc_seat = acc_per_seg[seat_seg]
    acc_start = np.concatenate([[0], np.cumsum(n_acc_seat)[:-1]])
    n_acc = int(n_acc_seat.sum())
    acc_seg = np.repeat(seat_seg, n_acc_seat)
    emp_mu = np.array([np.log(60), np.log(600), np.log(6000)])
    employees = np.round(rng.lognormal(emp_mu[acc_seg], 0.6)).astype(int) + 5
    revenue = np.round(employees * rng.lognormal(np.log(180_000), 0.5, n_acc), -3)
    seat_region = np.empty(len(seat_codes), dtype=object)
    seat_region[seat_of_rep] = reps["region"].to_numpy()
    seat_team = np.empty(len(seat_codes), dtype=object)
    seat_team[seat_of_rep] = reps["team"].to_numpy()
    acc_names = [
        f"{ACCOUNT_WORDS[a]} {ACCOUNT_WORDS[b]} {ACCOUNT_SUFFIX[c]}"
        for a, b, c in zip(
            rng.integers(0, len(ACCOUNT_WORDS), n_acc),
            rng.integers(0, len(ACCOUNT_WORDS), n_acc),
            rng.integers(0, len(ACCOUNT_SUFFIX), n_acc),
            strict=True,
        )
    ]
    acc_ids = np.array([f"A{acct_offset + k + 1:06d}" for k in range(n_acc)], dtype=object)
    territory = np.array(
        [
            f"{seat_team[s]} / T{int(code.split('|')[1]) + 1:02d}"
            for s, code in enumerate(seat_codes)
        ],
        dtype=object,
    )
    accounts = pd.DataFrame(
        {
            "account_id": acc_ids,
            "account_name": acc_names,
            "industry": np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), n_acc)],
            "segment": np.array(SEGMENTS)[acc_seg],
            "region": np.repeat(seat_region, n_acc_seat),
            "employees": employees,
            "annual_revenue": revenue.astype(float),
            "territory": np.repeat(territory, n_acc_seat),
        }
    )
    deal_seat = seat_of_rep[reps_rep]
    account_idx = acc_start[deal_seat] + (rng.random(n) * n_acc_seat[deal_seat]).astype(int)
    account_id = acc_ids[account_idx].astype(object)

    # ---- the opportunities table as the CRM shows it at extract ------------------------------
    is_open = ~is_closed
    stage_now_open = (entry <= days.extract).sum(axis=1) - 1
    stage_idx = np.where(is_closed, np.where(won, 5, 6), stage_now_open)
    amount_now = np.where(
        entry[:, 3] <= np.minimum(close, days.extract), amount_final, amount_first
    )
    fc_table = _forecast_category_table()
    opt_bucket = np.digitize(opt, [-0.8, 0.8])  # 0 pessimist, 1 typical, 2 optimist
    category = np.where(
        is_closed,
        np.where(won, "Closed", "Omitted"),
        fc_table[opt_bucket, np.minimum(stage_now_open, 4)],
    )
    probability = np.where(
        is_closed,
        np.where(won, 1.0, 0.0),
        np.array(STAGE_PROBABILITY)[np.minimum(stage_now_open, 4)],
    )
    close_shown = np.where(is_closed, close, expected_close_now)
    blank_acct = is_open & (stage_now_open == 0) & (rng.random(n) < 0.06)
    account_id = np.where(blank_acct, None, account_id)
    blank_amount = is_open & (stage_now_open == 0) & (rng.random(n) < 0.03)
    opp_ids = np.array([f"O{opp_offset + k + 1:07d}" for k in range(n)], dtype=object)
    opps = pd.DataFrame(
        {
            "opp_id": opp_ids,
            "account_id": account_id,
            "rep_id": reps["rep_id"].to_numpy()[owner],
            "product": np.array(PRODUCTS)[product],
            "stage": np.array(STAGES)[stage_idx],
            "amount": np.where(blank_amount, np.nan, amount_now),
            "created_date": days.to_dates(created),
            "close_date": days.to_dates(close_shown),
            "is_closed": is_closed,
            "is_won": won & is_closed,
            "forecast_category": category,
            "probability": probability,
            "lead_source": np.array(LEAD_SOURCES)[rng.integers(0, 4, n)],
        }
    )

    # ---- weekly history snapshots -----------------------------------------------------------
    first_snap = np.searchsorted(snaps, np.maximum(created, days.data_start), side="left")
    last_snap = np.searchsorted(snaps, np.minimum(close + 6, days.extract), side="right")
    n_rows = np.maximum(last_snap - first_snap, 0)
    deal = np.repeat(np.arange(n), n_rows)
    offs = np.arange(n_rows.sum()) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
    s = snaps[first_snap[deal] + offs]
    closed_at = s >= close[deal]
    st_open = (entry[deal] <= s[:, None]).sum(axis=1) - 1
    st = np.where(closed_at, np.where(won[deal], 5, 6), st_open)
    k = (push_day[deal] <= s[:, None]).sum(axis=1)
    close_at = np.where(closed_at, close[deal], push_val[deal, k])
    amt = np.where(entry[deal, 3] <= s, amount_final[deal], amount_first[deal])
    amt = np.where(blank_amount[deal] & ~closed_at, np.nan, amt)
    cat = np.where(
        closed_at,
        np.where(won[deal], "Closed", "Omitted"),
        fc_table[opt_bucket[deal], np.minimum(st_open, 4)],
    )
    history = pd.DataFrame(
        {
            "snapshot_date": days.to_dates(s),
            "opp_id": opp_ids[deal],
            "stage": np.array(STAGES)[st],
            "amount": amt,
            "close_date": days.to_dates(close_at),
            "forecast_category": cat,
            "is_closed": closed_at,
            "is_won": closed_at & won[deal],
        }
    )

    # ---- activities ----------------------------------------------------------------------
    effort = productivity * rng.lognormal(0, 0.2, nr)
    open_days = np.minimum(close, days.extract) - created
    n_act = rng.poisson(spec.activity_scale * effort[reps_rep] * (1 + open_days / 10.0))
    a_deal = np.repeat(np.arange(n), n_act)
    a_day = created[a_deal] + (rng.random(len(a_deal)) * (open_days[a_deal] + 1)).astype(int)
    act_keep = a_day >= days.data_start
    a_deal, a_day = a_deal[act_keep], a_day[act_keep]
    na = len(a_deal)
    a_type = np.array(ACTIVITY_TYPES)[rng.choice(4, na, p=[0.35, 0.4, 0.15, 0.1])]
    in_time = np.argsort(a_day, kind="stable")  # a CRM numbers activities as they are logged
    activities = pd.DataFrame(
        {
            "activity_id": np.array(
                [f"T{act_offset + k + 1:08d}" for k in range(na)], dtype=object
            ),
            "rep_id": opps["rep_id"].to_numpy()[a_deal][in_time],
            "opp_id": opp_ids[a_deal][in_time],
            "activity_date": days.to_dates(a_day[in_time]),
            "activity_type": a_type[in_time],
        }
    )

    # ---- truth: expected bookings by close day (convolution) and quotas -----------------------
    lag = np.arange(0, 800)
    pmf = np.zeros((3, len(lag)))
    for sgi in range(3):
        cdf = stats.gamma.cdf(lag, CYCLE_SHAPE, scale=WON_CYCLE_DAYS[sgi] / CYCLE_SHAPE)
        pmf[sgi, 1:] = np.diff(cdf)
        pmf[sgi, 1] += cdf[0]
    won_value = rate * ((1 - ZOMBIE_SHARE) * p_win * MEAN_AMOUNT[seg])[:, None]
    typical_value = (rate / productivity[:, None]) * (
        (1 - ZOMBIE_SHARE) * BASE_WIN_RATE[seg] * MEAN_AMOUNT[seg]
    )[:, None]
    by_close = np.zeros_like(won_value)
    typical_close = np.zeros_like(won_value)
    for r in range(nr):
        by_close[r] = np.convolve(won_value[r], pmf[seg[r]])[: days.n]
        typical_close[r] = np.convolve(typical_value[r], pmf[seg[r]])[: days.n]
    by_close = _apply_pull(by_close, days)
    typical_close = _apply_pull(typical_close, days)
    qlab = quarter_labels.to_numpy()
    uq, qinv = np.unique(qlab, return_inverse=True)
    per_q = np.zeros((nr, len(uq)))
    typ_q = np.zeros((nr, len(uq)))
    for j in range(len(uq)):
        cols = qinv == j
        per_q[:, j] = by_close[:, cols].sum(axis=1)
        typ_q[:, j] = typical_close[:, cols].sum(axis=1)
    truth_by_rep = pd.DataFrame(
        {
            "rep_id": np.repeat(reps["rep_id"].to_numpy(), len(uq)),
            "quarter": np.tile(uq, nr),
            "expected_bookings": per_q.ravel().round(2),
        }
    )
    truth_by_rep = truth_by_rep[truth_by_rep["expected_bookings"] > 0]
    company = by_close.sum(axis=0)

    extract_q = quarter_labels.iloc[days.extract]
    first_q = quarter_labels.iloc[days.data_start]
    quota_rows = []
    full = np.array(
        [
            typ_q[seg == sgi].max(axis=0) if (seg == sgi).any() else np.zeros(len(uq))
            for sgi in range(3)
        ]
    )
    for j, q in enumerate(uq):
        if q < first_q or q > extract_q:
            continue
        qstart = int(np.flatnonzero(qinv == j)[0])
        for r in range(nr):
            if hire[r] > qstart + 45 or end[r] <= qstart:
                continue
            typical = typ_q[r, j]
            if typical < 0.1 * full[seg[r], j]:
                continue
            quota_rows.append(
                (reps["rep_id"].iat[r], q, float(np.round(typical * QUOTA_STRETCH, -2)))
            )
    quotas = pd.DataFrame(quota_rows, columns=["rep_id", "period", "quota"])

    reps_out = pd.DataFrame(
        {
            "rep_id": reps["rep_id"],
            "rep_name": _name(rng, nr),
            "manager": reps["team"].map(team_manager),
            "team": reps["team"],
            "region": reps["region"],
            "role": np.where(seg == 2, "Enterprise AE", "Commercial AE"),
            "segment": np.array(SEGMENTS)[seg],
            "hire_date": days.to_dates(hire),
            "end_date": [
                None if e is None or pd.isna(e) else days.to_dates(np.array([int(e)]))[0]
                for e in reps["end"]
            ],
            "territory": territory[seat_of_rep],
        }
    )
    truth_reps = pd.DataFrame(
        {
            "rep_id": reps["rep_id"],
            "true_win_rate": p_win.round(4),
            "productivity": productivity.round(4),
            "optimism": optimism.round(4),
        }
    )
    present = reps_out["end_date"].isna() | (pd.to_datetime(reps_out["end_date"]) >= DATA_START)
    present |= reps_out["rep_id"].isin(opps["rep_id"])
    reps_out = reps_out[present.to_numpy()]
    truth_reps = truth_reps[present.to_numpy()]
    opps = opps.sort_values("opp_id", kind="stable")
    history = history.sort_values(["snapshot_date", "opp_id"], kind="stable")
    return {
        "tables": {
            "reps": reps_out,
            "opportunities": opps,
            "accounts": accounts,
            "history": history,
            "quotas": quotas,
            "activities": activities,
        },
        "truth_reps": truth_reps,
        "rep_ids_used": nr,
        "truth_by_rep": truth_by_rep,
        "company_expected": company,
    }


def mean_cycle_at(seg: np.ndarray) -> np.ndarray:
    """The cycle length a rep plans for a deal of each segment (the won-deal mean)."""
    return WON_CYCLE_DAYS[seg]


def _forecast_category_table() -> np.ndarray:
    """Forecast category by optimism bucket (rows) and open stage (columns)."""
    return np.array(
        [
            ["Pipeline", "Pipeline", "Pipeline", "Pipeline", "Best Case"],
            ["Pipeline", "Pipeline", "Pipeline", "Best Case", "Commit"],
            ["Pipeline", "Pipeline", "Best Case", "Commit", "Commit"],
        ],
        dtype=object,
    )


def _apply_pull(by_close: np.ndarray, days: _Timeline) -> np.ndarray:
    """Move the expected share of won value pulled from a quarter's first days to the previous quarter."""
    out = by_close.copy()
    starts = np.unique(days.quarter_start)
    for qs in starts:
        if qs - 1 < 0 or qs + PULL_DAYS > days.n:
            continue
        share = PULL_SHARE_YEAR_END if days.quarter_is_year_start[qs] else PULL_SHARE
        moved = out[:, qs : qs + PULL_DAYS] * share
        out[:, qs : qs + PULL_DAYS] -= moved
        out[:, qs - 1] += moved.sum(axis=1)
    return out


class _Writers:
    """Append chunks of each table to one CSV or Parquet file, with fixed schemas."""

    SCHEMAS = {
        "reps": {"hire_date": pa.date32(), "end_date": pa.date32()},
        "opportunities": {
            "created_date": pa.date32(),
            "close_date": pa.date32(),
            "amount": pa.float64(),
            "probability": pa.float64(),
            "account_id": pa.string(),
        },
        "accounts": {"employees": pa.int64(), "annual_revenue": pa.float64()},
        "history": {
            "snapshot_date": pa.date32(),
            "close_date": pa.date32(),
            "amount": pa.float64(),
        },
        "quotas": {"quota": pa.float64()},
        "activities": {"activity_date": pa.date32()},
    }

    def __init__(self, out: Path, fmt: str) -> None:
        self.out, self.fmt = out, fmt
        self.writers: dict[str, object] = {}
        self.schemas: dict[str, pa.Schema] = {}
        self.chunks: dict[str, int] = {}

    def write(self, name: str, frame: pd.DataFrame) -> None:
        table = self._table(name, frame)
        if name not in self.writers:
            path = self.out / f"{name}.{self.fmt}"
            if self.fmt == "csv":
                self.writers[name] = pacsv.CSVWriter(str(path), table.schema)
            else:
                self.writers[name] = pq.ParquetWriter(str(path), table.schema, compression="zstd")
        self.writers[name].write_table(table)  # type: ignore[attr-defined]
        self.chunks[name] = self.chunks.get(name, 0) + 1

    def _table(self, name: str, frame: pd.DataFrame) -> pa.Table:
        if name in self.schemas:
            return pa.Table.from_pandas(frame, schema=self.schemas[name], preserve_index=False)
        fields = []
        overrides = self.SCHEMAS.get(name, {})
        for col in frame.columns:
            if col in overrides:
                fields.append(pa.field(col, overrides[col]))
            elif frame[col].dtype == bool:
                fields.append(pa.field(col, pa.bool_()))
            elif pd.api.types.is_integer_dtype(frame[col]):
                fields.append(pa.field(col, pa.int64()))
            elif pd.api.types.is_float_dtype(frame[col]):
                fields.append(pa.field(col, pa.float64()))
            else:
                fields.append(pa.field(col, pa.string()))
        self.schemas[name] = pa.schema(fields)
        return pa.Table.from_pandas(frame, schema=self.schemas[name], preserve_index=False)

    # Tables a CRM or warehouse exports in time order: the weekly snapshots are appended
    # date by date, and activities are numbered as they are logged.
    TIME_ORDER = {"history": "snapshot_date, opp_id", "activities": "activity_date, activity_id"}

    def close(self) -> None:
        for w in self.writers.values():
            w.close()  # type: ignore[attr-defined]
        for name, order in self.TIME_ORDER.items():
            if self.chunks.get(name, 0) > 1:
                self._put_in_time_order(name, order)

    def _put_in_time_order(self, name: str, order: str) -> None:
        """Sort a table written chunk by chunk into time order (DuckDB: bounded memory).

        Activities are renumbered in that order; CSV cells are kept as written.
        """
        import duckdb

        path = self.out / f"{name}.{self.fmt}"
        tmp = self.out / f".{name}.sorting.{self.fmt}"
        read = (
            f"read_parquet('{path}')"
            if self.fmt == "parquet"
            else f"read_csv('{path}', header = true, all_varchar = true)"
        )
        columns = "*"
        if name == "activities":
            columns = (
                "'T' || lpad(CAST(row_number() OVER (ORDER BY activity_date, activity_id) "
                "AS VARCHAR), 8, '0') AS activity_id, * EXCLUDE (activity_id)"
            )
        options = "FORMAT parquet, COMPRESSION zstd" if self.fmt == "parquet" else "HEADER"
        con = duckdb.connect()
        try:
            con.execute("SET memory_limit = '2GB'")
            con.execute(f"SET temp_directory = '{self.out / '.duckdb_tmp'}'")
            con.execute(
                f"COPY (SELECT {columns} FROM {read} ORDER BY {order}) TO '{tmp}' ({options})"
            )
        finally:
            con.close()
        tmp.replace(path)
        shutil.rmtree(self.out / ".duckdb_tmp", ignore_errors=True)
