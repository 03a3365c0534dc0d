"""The synthetic demo company: realistic, deterministic CRM data with known truth.

:func:`generate` writes one file per canonical table plus a ``truth/`` folder holding what
the generating process meant (expected bookings and attainment, each rep's true win
propensity, the quota plan, the deals that changed owner), so tests can grade forecasts and
rankings against it. ``truth/README.md`` describes every file.

How the company works
---------------------
- Seats (territories) in teams and regions; each team sells to one segment group.
  Commercial teams sell to SMB and Mid-Market, Enterprise teams to Enterprise.
- Reps occupy seats; they leave at a monthly hazard (attrition) and are backfilled after a
  gap; a fifth of the seats open during the export (headcount growth). New hires ramp
  linearly to full deal creation over four months.
- Each rep has a true win propensity (skill), a productivity (deal creation rate) and an
  optimism (how early they commit deals and expect them to close), spread as in a team
  whose ramped reps mostly land between half and twice their quota.
- Deals are created daily (Poisson) with monthly seasonality and growth in deals per rep;
  amounts are lognormal by segment and product; cycles are gamma by segment. Won deals due
  in the first ten days of a quarter are often pulled into the last days of the previous
  one (more so at the fiscal year end): strong quarter ends and strong fourth quarters.
- Reps steer the timing of their wins against their quota (see :func:`_manage_timing`):
  short of quota but within reach, they pull next quarter's wins in; far above it, they let
  some slip into next quarter, except at the fiscal year end. Attainment bunches just above
  100%, as it does in real teams, and few reps reach twice their quota.
- A share of deals are "zombies": they stall at a stage, their close date is pushed a few
  times and then left past due, and they are closed lost in a clean-up months later.
- Open deals carry an expected close date: planned at creation, re-estimated when the deal
  reaches Proposal (near the date the rep works towards, earlier for optimists), and pushed
  when it passes (slipped deals). The forecast category follows the stage, how near the
  expected close is and the owner's optimism, so the company's Commit call at week 8 lands
  within a few percent of the quarter's bookings while individual reps over- and
  under-call.
- When a rep leaves, their open deals change owner as a CRM owner change does: deals still
  in Prospecting or Qualification wait for the seat's backfill (received on the backfill's
  first day), the others go to a teammate of the same segment on the leaving day. A deal's
  ``rep_id`` is its current owner, ``reassigned_date`` the day that owner received it and
  ``previous_rep_id`` the owner before that move; each history snapshot names the owner on
  its date (``rep_id``); activities are logged by whoever owned the deal that day.
- Weekly history snapshots (Fridays) record every open deal, and each deal once more on
  the first snapshot after it closed.
- Two training programmes are rolled out in waves to reps past 180 days of tenure
  (:func:`_training`; the ``enablement`` table is the LMS export): Value Selling adds 0.25 to
  the log-odds of winning every deal a rep creates from the day they complete it and goes
  first to the weaker reps; Product Certification changes nothing and goes first to the
  stronger ones. ``truth/enablement_by_rep.csv`` holds each trained rep's expected lift per
  quarter, so an estimate of the programmes' effects can be graded.

Quotas, as a company sets them
------------------------------
The simulation starts in April 2021, so the years before the export are real history.
Plans are made per sales area (the whole small company; a slice of 100 seats of the large
one) and fiscal year, per segment, top-down (:func:`_year_plan`): last year's bookings per
ramped rep (over ramped rep-years, a new hire counting by the quota ramp below) times the
growth plan, times the ramped seats the plan expects (the rep in each seat on the year's
first day, or the one it will hire, staying on), is the target. Quotas split the target
across those seats with a stretch, never less than last year's quota per seat plus 2%, and
across quarters with a fixed split flatter than the bookings' seasonality (so the fourth
quarter attains most and the first least). A rep's quarterly quota is the seat's share
times their ramp-adjusted time in the seat that quarter: nothing for the segment's typical
sales cycle after the hire date, then rising linearly over four months; a rep who leaves
keeps the days they were there. Nothing in a quota depends on the rep's own skill or
future deals. Measured from the files of the small company (seed 7;
``benchmarks/demo_realism.py`` prints the figures), company attainment lies in 85-110% in
every one of its twelve complete quarters, about half of the ramped reps reach quota in a
typical quarter, the 95th percentile of their attainment is about 165%, and quotas rise
10-15% a year.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from scipy import signal, stats

from salesops_lib.periods import FiscalCalendar


def _frozen(values: object, dtype: type = float) -> np.ndarray:
    """A read-only array, so that a module constant cannot be changed by accident."""
    out: np.ndarray = np.array(values, dtype=dtype)
    out.setflags(write=False)
    return out


SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
# deals and their values, per segment (SMB, Mid-Market, Enterprise)
MEAN_AMOUNT = _frozen([12_000.0, 40_000.0, 70_000.0])
AMOUNT_SIGMA = 0.30  # lognormal spread of a deal's amount around its product's mean
WEEKLY_DEALS = _frozen([3.0, 2.2, 3.2])  # per fully ramped rep of average productivity
WON_CYCLE_DAYS = _frozen([35.0, 65.0, 110.0])
BASE_WIN_RATE = _frozen([0.32, 0.28, 0.28])
SKILL_SD = 0.30  # spread of reps' win propensity (logit scale)
PRODUCTIVITY_SD = 0.15  # spread of reps' deal-creation rate (log scale)
CYCLE_SHAPE = 3.0
ZOMBIE_SHARE = 0.05
# people
RAMP_DAYS = 4 * 30.4
MONTHLY_ATTRITION = 0.013
GROWTH_SEAT_SHARE = 0.20  # seats that open during the data period
GROWTH_PER_YEAR = 0.08  # deal creation per ramped rep grows this much a year
# seasonality and quarter ends
PULL_DAYS = 10
PULL_SHARE = 0.40
PULL_SHARE_YEAR_END = 0.60
CREATION_SEASON = _frozen([0.80, 0.90, 1.05, 0.95, 1.0, 1.05, 0.85, 0.85, 1.05, 1.15, 1.15, 0.80])
# stages, close dates and forecast categories
OPEN_STAGES = ("Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation")
STAGES = OPEN_STAGES + ("Closed Won", "Closed Lost")
STAGE_PROBABILITY = _frozen([0.10, 0.20, 0.40, 0.60, 0.80])
WON_STAGE_FRACTION = _frozen([0.0, 0.12, 0.30, 0.55, 0.80])
LOST_LAST_STAGE_P = _frozen([0.30, 0.25, 0.20, 0.15, 0.10])
REPLAN_STAGE = 3  # at Proposal the rep re-estimates the close date from what they now know
REPLAN_BIAS_DAYS = 6.0  # per unit of optimism, how much earlier than the real date
REPLAN_SD_DAYS = 10.0
MAX_CLOSE_DATE_CHANGES = 12
COMMIT_NEAR_DAYS = 30  # deals due this soon move up a forecast category
# reassignment of a leaver's open deals
BACKFILL_MAX_STAGE = 1  # deals in Prospecting or Qualification wait for the backfill
# the quota plan
GROWTH_PLAN = 0.04  # bookings per ramped seat, planned over last year's
QUOTA_STRETCH = 1.02  # quotas over the target per seat
QUOTA_MIN_RAISE = 0.02  # a seat's quota rises at least this much a year
QUARTER_SPLIT = _frozen([0.24, 0.245, 0.245, 0.27])  # share of the year's quota per quarter
QUOTA_LATEST_HIRE_DAY = 45  # hired later in a quarter: no quota that quarter
QUOTA_MIN_CAPACITY = 0.05  # ramp-adjusted share of a quarter below which no quota is set
# reps steer the timing of won deals around quarter ends against their quota
TIMING_WINDOW_DAYS = 21  # wins this close to a quarter end can be held back or pulled in
SANDBAG_ABOVE = 1.30  # above this attainment a rep holds wins back for next quarter ...
SANDBAG_DOWN_TO = 1.10  # ... keeping at least this much in the quarter
SANDBAG_P = 0.6  # chance that a customer lets a win slip
PULL_FROM = 0.65  # from this attainment a rep short of quota pulls next quarter's wins in
PULL_P = 0.65  # chance that a customer agrees to close early
PULL_FROM_YEAR_END = 0.6  # at the fiscal year end reps reach further (annual accelerators) ...
PULL_P_YEAR_END = 0.7  # ... and push harder, and nobody holds wins back
PRODUCTS = ("Core", "Pro", "Suite", "Add-on")
PRODUCT_MULT = _frozen([1.0, 1.6, 2.5, 0.4])
PRODUCT_P = _frozen([[0.5, 0.25, 0.05, 0.2], [0.35, 0.35, 0.15, 0.15], [0.3, 0.35, 0.25, 0.1]])
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
# account fit (truth): log-odds contribution per industry, per sd of size within the segment
INDUSTRY_FIT = _frozen([1.0, -0.3, 0.3, -1.0, 0.6, -0.8, 0.0])
SIZE_FIT = 0.8  # per standard deviation of log employees within the account's segment
FIT_NOISE_SD = 0.45  # what no firmographic explains
POTENTIAL_SHARE = 0.001  # yearly potential: this share of annual revenue x exp(true_fit / 2)
# training programmes (truth/enablement.csv): one works, one changes nothing
PROGRAMS = ("Value Selling", "Product Certification")
PROGRAM_LIFT = _frozen([0.25, 0.0])  # log-odds added to the win propensity of later deals
PROGRAM_WAVES = (
    ("2024-10-01", "2025-04-01", "2025-10-01"),
    ("2024-07-01", "2025-01-01", "2025-07-01", "2026-01-01"),
)
PROGRAM_TILT = _frozen([-1.0, 1.0])  # who goes first: the weaker reps, or the stronger ones
PROGRAM_NEVER = 0.3  # share of reps never enrolled in a programme
PROGRAM_MIN_TENURE_DAYS = 180  # reps are enrolled once past their ramp
COMPLETION_SPREAD_DAYS = 45  # a wave's reps complete the course over these days
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


SIZES = MappingProxyType(
    {
        "small": Size(("East", "Central", "West"), 1, 10, 1.0, 1.0, 60),
        "large": Size(("East", "Central", "West", "EMEA", "APAC"), 20, 10, 2.1, 0.35, 100),
    }
)
EXTRACT_DATE = pd.Timestamp("2026-11-13")  # a Friday: the last history snapshot
DATA_START = pd.Timestamp("2023-10-01")  # first day of the first of twelve complete quarters
SIM_START = pd.Timestamp("2021-04-01")  # warm-up: two years of history before the export


def generate(out: str | Path, *, size: str = "small", seed: int = 7, fmt: str = "csv") -> Path:
    """Write the demo company to ``out``.

    Parameters
    ----------
    out
        Folder to write into (created).
    size
        ``small`` (about 60 reps, 28,000 deals) or ``large`` (about 2,000 reps, 2 million deals).
    seed
        Random seed: the same seed gives the same bytes.
    fmt
        ``csv`` or ``parquet``.

    Returns
    -------
    Path
        The folder written.

    Examples
    --------
    >>> generate("data/demo", size="small", seed=7)  # doctest: +SKIP
    PosixPath('data/demo')
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, got {size!r}")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, got {fmt!r}")
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    spec = SIZES[size]
    days = _Timeline(FiscalCalendar(1))
    seat_table = _seats(spec)
    n_chunks = int(np.ceil(len(seat_table) / spec.chunk_seats))
    chunk_seeds = np.random.SeedSequence(seed).spawn(n_chunks + 1)
    writers = _Writers(out, fmt)
    parts: list[_ChunkOut] = []
    offsets = _Offsets()
    for c in range(n_chunks):
        seats = seat_table.iloc[c * spec.chunk_seats : (c + 1) * spec.chunk_seats]
        teams = sorted(seats["team"].unique())
        area = "Company" if n_chunks == 1 else f"{teams[0]} to {teams[-1]}"
        rng = np.random.default_rng(chunk_seeds[c])
        fit_rng = np.random.default_rng([seed, 22, c])
        train_rng = np.random.default_rng([seed, 23, c])
        chunk = _chunk(
            seats.reset_index(drop=True), spec, days, rng, offsets, area, fit_rng, train_rng
        )
        for name, frame in chunk.tables.items():
            writers.write(name, frame)
        offsets = offsets.after(chunk)
        parts.append(chunk.without_tables())
    writers.close()
    _write_truth(out, parts, days)
    (out / "salesops.toml").write_text(_DEMO_CONFIG, encoding="utf-8")
    (out / "demo.json").write_text(
        json.dumps(
            {"size": size, "seed": seed, "format": fmt, "extract_date": str(EXTRACT_DATE.date())},
            indent=2,
        ),
        encoding="utf-8",
    )
    return out


class _Timeline:
    """Day index 0 = SIM_START; snapshots every Friday from DATA_START to EXTRACT_DATE.

    Parameters
    ----------
    calendar
        The fiscal calendar that names quarters and years.
    """

    def __init__(self, calendar: FiscalCalendar) -> None:
        self.dates = pd.date_range(SIM_START, EXTRACT_DATE + pd.Timedelta(days=400), freq="D")
        self.n = len(self.dates)
        self.extract = int((EXTRACT_DATE - SIM_START).days)
        self.data_start = int((DATA_START - SIM_START).days)
        snaps = pd.date_range(DATA_START, EXTRACT_DATE, freq="W-FRI")
        self.snapshots = ((snaps - SIM_START).days).to_numpy()
        self.month = self.dates.month.to_numpy() - 1
        q = self.dates.to_period(calendar.freq)
        self.quarter_start = ((q.start_time - SIM_START).days).to_numpy()
        self.quarter_is_year_start = np.asarray(q.quarter) == 1
        labels = calendar.quarters_of(pd.Series(self.dates)).to_numpy()
        self.quarters, self.quarter_index = np.unique(labels, return_inverse=True)
        self.quarter_first = np.flatnonzero(np.r_[True, np.diff(self.quarter_index) != 0])
        self.quarter_len = np.diff(np.r_[self.quarter_first, self.n])
        self.year = np.asarray(q.qyear)
        self.first_quarter = calendar.quarter_of(DATA_START)
        self.extract_quarter = calendar.quarter_of(EXTRACT_DATE)

    def to_dates(self, idx: np.ndarray) -> np.ndarray:
        """Day indexes as ``datetime64[D]`` dates."""
        return (np.datetime64(SIM_START.date(), "D") + idx.astype("timedelta64[D]")).astype(
            "datetime64[D]"
        )

    def to_nullable_dates(self, idx: np.ndarray) -> np.ndarray:
        """Day indexes as dates, negative indexes as blanks (``NaT``)."""
        out = self.to_dates(np.maximum(idx, 0))
        out[idx < 0] = np.datetime64("NaT")
        return out

    def data_quarters(self) -> np.ndarray:
        """Positions in :attr:`quarters` of the quarters from the data start to the extract."""
        q = self.quarters
        return np.flatnonzero((q >= self.first_quarter) & (q <= self.extract_quarter))


@dataclass(frozen=True)
class _Offsets:
    """Ids already used by earlier chunks (ids are numbered across the whole company)."""

    rep: int = 0
    opp: int = 0
    account: int = 0
    names: frozenset[str] = frozenset()  # people's names given so far (reps and managers)

    def after(self, chunk: _ChunkOut) -> _Offsets:
        """The offsets for the next chunk."""
        t = chunk.tables
        return _Offsets(
            self.rep + chunk.rep_ids_used,
            self.opp + len(t["opportunities"]),
            self.account + len(t["accounts"]),
            self.names | set(t["reps"]["rep_name"]) | set(t["reps"]["manager"]),
        )


@dataclass(frozen=True)
class _ChunkOut:
    """What one chunk of seats contributes: its tables and what the truth and quotas need."""

    tables: dict[str, pd.DataFrame]  # reps, opportunities, accounts, history, quotas, ...
    truth_reps: pd.DataFrame
    truth_accounts: pd.DataFrame  # account_id, true_fit, potential
    truth_training: pd.DataFrame  # program, rep_id, quarter, deals, win_rate_lift, ...
    truth_by_rep: pd.DataFrame  # rep_id, quarter, expected_bookings, expected_in_seat
    company_expected: np.ndarray  # expected bookings per day
    plan: pd.DataFrame  # the area's quota plan per fiscal year and segment
    reassignments: pd.DataFrame  # opp_id, from_rep, to_rep, reassigned_date
    rep_ids_used: int

    @property
    def quotas(self) -> pd.DataFrame:
        """The area's quotas (rep_id, period, quota)."""
        return self.tables["quotas"]

    def without_tables(self) -> _ChunkOut:
        """The same without its large (written) tables, to keep memory bounded."""
        return replace(self, tables={"quotas": self.tables["quotas"].copy()})


def _write_truth(out: Path, parts: list[_ChunkOut], days: _Timeline) -> None:
    """Write the ``truth/`` folder: what the generating process meant, and its README."""
    truth = out / "truth"
    quotas = pd.concat([p.quotas for p in parts], ignore_index=True)
    plan = pd.concat([p.plan for p in parts], ignore_index=True)
    in_data = days.quarters[days.data_quarters()]
    company = np.sum([p.company_expected for p in parts], axis=0)
    by_q = pd.Series(company).groupby(days.quarters[days.quarter_index]).sum()
    by_q = by_q[by_q.index.isin(in_data)]
    pd.DataFrame({"quarter": by_q.index, "expected_bookings": by_q.round(2).to_numpy()}).to_csv(
        truth / "expected_bookings.csv", index=False
    )
    pd.concat([p.truth_reps for p in parts], ignore_index=True).to_csv(
        truth / "reps.csv", index=False
    )
    tb = pd.concat([p.truth_by_rep for p in parts], ignore_index=True)
    tb = tb[tb["quarter"].isin(in_data)]
    tb.loc[tb["expected_bookings"] > 0, ["rep_id", "quarter", "expected_bookings"]].to_csv(
        truth / "expected_bookings_by_rep.csv", index=False
    )
    quota_q = quotas.groupby("period")["quota"].sum()
    pd.DataFrame(
        {
            "quarter": by_q.index,
            "expected_bookings": by_q.round(2).to_numpy(),
            "quota": quota_q.reindex(by_q.index).to_numpy(),
            "expected_attainment": (by_q / quota_q.reindex(by_q.index)).round(4).to_numpy(),
        }
    ).to_csv(truth / "expected_attainment.csv", index=False)
    rep_q = quotas.rename(columns={"period": "quarter"})[["rep_id", "quarter", "quota"]].merge(
        tb[["rep_id", "quarter", "expected_in_seat"]], on=["rep_id", "quarter"], how="left"
    )
    rep_q["expected_in_seat"] = rep_q["expected_in_seat"].fillna(0.0).round(2)
    rep_q["expected_attainment"] = (rep_q["expected_in_seat"] / rep_q["quota"]).round(4)
    rep_q.rename(columns={"expected_in_seat": "expected_bookings"}).to_csv(
        truth / "expected_attainment_by_rep.csv", index=False
    )
    pd.concat([p.reassignments for p in parts], ignore_index=True).sort_values(
        ["reassigned_date", "opp_id"], kind="stable"
    ).to_csv(truth / "reassignments.csv", index=False)
    plan.to_csv(truth / "quota_plan.csv", index=False)
    pd.concat([p.truth_accounts for p in parts], ignore_index=True).to_csv(
        truth / "accounts_truth.csv", index=False
    )
    pd.DataFrame(
        {"program": PROGRAMS, "log_odds_lift": PROGRAM_LIFT, "first_to": ["weaker", "stronger"]}
    ).to_csv(truth / "enablement.csv", index=False)
    pd.concat([p.truth_training for p in parts], ignore_index=True).to_csv(
        truth / "enablement_by_rep.csv", index=False
    )
    (truth / "README.md").write_text(_TRUTH_README, encoding="utf-8")


_TRUTH_README = """# What the generating process meant

Files by quarter cover the quarters of the export (the first complete quarter to the
current one); money is in the data set's currency.

- `reps.csv`: each rep's true win propensity (`true_win_rate`: the chance that any deal they
  create, other than a stalled "zombie", is won), productivity (deal-creation multiplier) and
  optimism (how early they call deals Commit and expect them to close).
- `expected_bookings.csv`: the expected value of the company's bookings per fiscal quarter
  under the generating process (what an oracle forecast would say before the quarter
  starts). Expectations here leave out how reps steer wins around quarter ends against
  their quota (a few percent of a quarter's bookings move to a neighbouring quarter).
- `expected_bookings_by_rep.csv`: the same by originating rep: every deal a rep creates is
  counted for them, also when it closes after they left and another rep owns it.
- `expected_attainment.csv`: per quarter, the company's expected bookings, the sum of the
  quotas in `quotas.csv` and their ratio, `expected_attainment` (what attainment would be
  without luck).
- `expected_attainment_by_rep.csv`: per rep and quarter with a quota, the quota, the
  expected value of the rep's own deals that close while they are in the seat
  (`expected_bookings`; deals they inherit or hand over are not in it) and its ratio to
  the quota, `expected_attainment`: the attainment their skill and productivity meant.
- `reassignments.csv`: every owner change of a deal in `opportunities.csv` (`opp_id`,
  `from_rep` who left, `to_rep` who received it, `reassigned_date`), in date order, also
  moves before the export starts of deals still open then. A deal can move more than
  once; the last move's rep and date are the deal's `rep_id` and `reassigned_date`.
- `quota_plan.csv`: the annual plan behind the quotas, per fiscal year, sales `area` (the
  whole company when small; a slice of 100 seats of the large one) and segment:
  last year's bookings (`prior_year_bookings`, also from before the export starts) and
  ramped rep-years (`prior_year_ramped_reps`), their ratio (`bookings_per_ramped_rep`),
  `growth_plan`, the seats the plan expects in ramped rep-years (`planned_ramped_reps`),
  the `target` (bookings per ramped rep x (1 + growth plan) x planned ramped reps), the
  `stretch` and the resulting annual `quota_per_ramped_seat` (never below last year's
  plus 2%).
  A rep's quarterly quota is that times the quarter's share of the year
  (`quarter_split`) times the rep's ramp-adjusted share of the quarter in the seat.
- `accounts_truth.csv`: each account's `true_fit` and `potential`. `true_fit` is on the
  log-odds scale: its industry's part (Software +1.0, Financial Services +0.6, Healthcare
  +0.3, Logistics 0, Manufacturing -0.3, Education -0.8, Retail -1.0), plus 0.8 per standard
  deviation of log head count within the account's segment (bigger than its segment's
  typical account: better fit), plus noise no firmographic explains (sd 0.45). Segment and
  region are the territory's, the same for all its accounts, so they add nothing within it.
  Fit drives which account a deal belongs to, not whether it is won: a lost deal goes to
  an account of its creator's territory picked uniformly, a won deal to one picked with
  weight `exp(true_fit)`. So within a territory an account's odds that its deals are won
  rise by a factor e (2.7) per unit of fit, and its wins in proportion to `exp(true_fit)`;
  reps, amounts, dates, stages and outcomes are what they would be without fit.
  `potential` is the yearly spend the account could place with the company: 0.1% of its
  annual revenue times `exp(true_fit / 2)`.
- `enablement.csv`: the two training programmes of `enablement` (the LMS export). Value
  Selling adds 0.25 to the log-odds of winning every deal a rep creates from the day they
  complete it (about +5 points of win rate); Product Certification changes nothing. Each is
  rolled out in waves (Value Selling from 2024-10, 2025-04 and 2025-10; Product Certification
  from 2024-07, 2025-01, 2025-07 and 2026-01) to reps past 180 days of tenure; 30% of reps are
  never enrolled. Value Selling goes first to the weaker reps, Product Certification to the
  stronger ones (`first_to`), so comparing trained with untrained reps misleads: the first
  looks useless, the second useful. `reps.csv`'s `true_win_rate` is before any training.
- `enablement_by_rep.csv`: per programme, trained rep and quarter after the quarter they
  completed it (up to the export): `expected_deals` they create, the programme's expected
  lift of the win rate of those deals (`win_rate_lift`, won over closed, as a share: 0.05 is
  5 points) and of their won value (`bookings_lift`). The null programme's lifts are 0.
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


def _seats(spec: Size) -> pd.DataFrame:
    """Every seat (territory) of the company: region, team, segment group, segment, seat number."""
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


def _distinct(names: list[str], taken: frozenset[str], rng: np.random.Generator) -> list[str]:
    """``names`` with each one already used (earlier in the list or in ``taken``) replaced.

    Replacements are drawn from every name :func:`_name` can give (first-last pairs, then
    with middle initials) that is used nowhere yet, so no two people share a name.
    """
    seen = set(taken)
    out = []
    spare: list[str] = []
    for name in names:
        if name in seen:
            if not spare:
                combos = len(FIRST) * len(LAST)
                every = _name(rng, combos) + _name(rng, combos * 26)
                drawn = set(names)
                spare = [n for n in every if n not in seen and n not in drawn][::-1]
            name = spare.pop()
        seen.add(name)
        out.append(name)
    return out


@dataclass(frozen=True)
class _Reps:
    """The occupants of a chunk's seats over time: one rep per seat and tenure.

    Days are indexes on the :class:`_Timeline`; ``end`` is the leaving day (the first day
    not in the seat), ``days.n`` for reps still employed at the extract.
    """

    frame: pd.DataFrame  # region, team, group, segment, seat, hire, end, rep_id
    ids: np.ndarray
    team: np.ndarray  # team code within the chunk
    seg: np.ndarray
    hire: np.ndarray
    end: np.ndarray
    prev_rep: np.ndarray  # the seat's previous occupant, -1 for its first
    next_rep: np.ndarray  # the seat's backfill, -1 when none was hired by the extract
    p_win: np.ndarray
    productivity: np.ndarray
    optimism: np.ndarray

    @property
    def n(self) -> int:
        """Number of reps."""
        return len(self.ids)


def _reps(seats: pd.DataFrame, days: _Timeline, rng: np.random.Generator, offset: int) -> _Reps:
    """Fill the seats over time (hires, attrition, backfills) and draw each rep's traits.

    Parameters
    ----------
    seats
        The chunk's seats, from :func:`_seats`.
    days
        The timeline.
    rng
        The chunk's random generator.
    offset
        Rep ids used by earlier chunks.

    Returns
    -------
    _Reps
        One rep per seat and tenure, with skill (win propensity), productivity and optimism.
    """
    occ = []
    hazard = MONTHLY_ATTRITION / 30.4
    growth_seat = rng.random(len(seats)) < GROWTH_SEAT_SHARE
    for i, seat in enumerate(seats.to_dict("records")):
        if growth_seat[i]:
            hire = int(rng.integers(days.data_start - 60, days.extract - 60))
        else:
            ramping = rng.random() < 0.12
            hire = int(
                days.data_start - (rng.integers(10, 200) if ramping else rng.integers(200, 2200))
            )
        prev = -1
        while hire <= days.extract:
            end = hire + int(rng.exponential(1 / hazard))
            occ.append({**seat, "hire": hire, "end": end, "prev": prev})
            prev = len(occ) - 1
            if end > days.extract:
                break
            hire = end + int(rng.integers(20, 70))
    frame = pd.DataFrame(occ)
    nr = len(frame)
    frame["rep_id"] = [f"R{offset + k + 1:05d}" for k in range(nr)]
    end = frame["end"].to_numpy()
    frame["end"] = np.where(end > days.extract, days.n, end)
    prev = frame["prev"].to_numpy()
    next_rep = np.full(nr, -1)
    next_rep[prev[prev >= 0]] = np.flatnonzero(prev >= 0)
    seg = frame["segment"].to_numpy().astype(int)
    logit = np.log(BASE_WIN_RATE[seg] / (1 - BASE_WIN_RATE[seg])) + rng.normal(0, SKILL_SD, nr)
    return _Reps(
        frame=frame,
        ids=frame["rep_id"].to_numpy(dtype=object),
        team=np.unique(frame["team"].to_numpy(dtype=str), return_inverse=True)[1],
        seg=seg,
        hire=frame["hire"].to_numpy(),
        end=frame["end"].to_numpy(),
        prev_rep=prev,
        next_rep=next_rep,
        p_win=1 / (1 + np.exp(-logit)),
        productivity=rng.lognormal(-0.5 * PRODUCTIVITY_SD**2, PRODUCTIVITY_SD, nr),
        optimism=rng.normal(0, 1, nr),
    )


def _training(reps: _Reps, days: _Timeline, rng: np.random.Generator) -> np.ndarray:
    """The day each rep completed each programme (rows: reps, columns: programmes; -1: never).

    Per programme, reps are ranked by their skill, tilted (``PROGRAM_TILT``: the weaker reps
    first, or the stronger ones) plus noise; the first ``1 - PROGRAM_NEVER`` of them are
    spread over the programme's waves in that order, and each completes in the first wave,
    from theirs on, where they are in the seat and past ``PROGRAM_MIN_TENURE_DAYS``; the
    course takes up to ``COMPLETION_SPREAD_DAYS`` from the wave's start. Completion dates
    after the extract are not known yet (-1).
    """
    base = np.log(BASE_WIN_RATE[reps.seg] / (1 - BASE_WIN_RATE[reps.seg]))
    skill = (np.log(reps.p_win / (1 - reps.p_win)) - base) / SKILL_SD
    out = np.full((reps.n, len(PROGRAMS)), -1)
    for p, waves in enumerate(PROGRAM_WAVES):
        starts = np.array([(pd.Timestamp(w) - SIM_START).days for w in waves])
        score = PROGRAM_TILT[p] * skill + rng.normal(0, 1, reps.n)
        order = np.argsort(-score, kind="stable")
        enrolled = order[: int(round((1 - PROGRAM_NEVER) * reps.n))]
        first_wave = np.zeros(reps.n, dtype=int)
        first_wave[enrolled] = np.arange(len(enrolled)) * len(waves) // max(len(enrolled), 1)
        spread = rng.integers(0, COMPLETION_SPREAD_DAYS, reps.n)
        for r in enrolled:
            for w in range(first_wave[r], len(waves)):
                day = starts[w] + spread[r]
                in_seat = reps.hire[r] + PROGRAM_MIN_TENURE_DAYS <= starts[w] and day < reps.end[r]
                if in_seat and day <= days.extract:
                    out[r, p] = day
                    break
    return out


def _win_propensity(reps: _Reps, completed: np.ndarray, days: _Timeline) -> np.ndarray:
    """Each rep's win propensity by created day: their skill plus the lift of the programmes
    they completed before that day (log-odds)."""
    logit = np.repeat(np.log(reps.p_win / (1 - reps.p_win))[:, None], days.n, axis=1)
    for p, lift in enumerate(PROGRAM_LIFT):
        logit += lift * _trained_by_day(completed[:, p], days)
    return 1 / (1 + np.exp(-logit))


def _trained_by_day(done: np.ndarray, days: _Timeline) -> np.ndarray:
    """Per rep (rows) and day (columns): completed the programme by then (``done``: the
    completion day per rep, -1 never)."""
    d = np.arange(days.n)
    return (done[:, None] >= 0) & (d[None, :] >= done[:, None])


def _enablement_table(
    reps: _Reps, completed: np.ndarray, days: _Timeline, known: pd.Series
) -> pd.DataFrame:
    """The LMS export: one row per known rep and programme completed (rep_id, program,
    completed_date), in order of completion."""
    rows, progs = np.nonzero(completed >= 0)
    keep = np.isin(reps.ids[rows], known.to_numpy())
    rows, progs = rows[keep], progs[keep]
    day = completed[rows, progs]
    order = np.lexsort((rows, day))
    return pd.DataFrame(
        {
            "rep_id": reps.ids[rows[order]],
            "program": np.array(PROGRAMS, dtype=object)[progs[order]],
            "completed_date": days.to_dates(day[order]),
        }
    )


def _training_truth(
    reps: _Reps, completed: np.ndarray, rate: np.ndarray, p_win: np.ndarray, days: _Timeline
) -> pd.DataFrame:
    """Per programme, trained rep and quarter after the completion quarter: expected deals
    created and the programme's expected lift of their win rate (won / closed, points) and of
    the won value of the deals created (bookings from the quarter's new deals)."""
    frames = []
    z = 1 - ZOMBIE_SHARE
    logit = np.log(p_win / (1 - p_win))
    deals, _ = _period_sums(rate, days.quarter_index)
    for p, lift in enumerate(PROGRAM_LIFT):
        done = completed[:, p]
        without = 1 / (1 + np.exp(-(logit - lift * _trained_by_day(done, days))))
        gain = z * (p_win - without) * rate
        value = gain * MEAN_AMOUNT[reps.seg][:, None]
        lift_q, _ = _period_sums(gain, days.quarter_index)
        value_q, _ = _period_sums(value, days.quarter_index)
        for r in np.flatnonzero(done >= 0):
            first = days.quarter_index[done[r]] + 1
            q = np.arange(first, len(days.quarters))
            q = q[days.quarter_first[q] <= days.extract]
            frames.append(
                pd.DataFrame(
                    {
                        "program": PROGRAMS[p],
                        "rep_id": reps.ids[r],
                        "quarter": days.quarters[q],
                        "expected_deals": deals[r, q].round(3),
                        "win_rate_lift": np.divide(
                            lift_q[r, q], deals[r, q], out=np.zeros(len(q)), where=deals[r, q] > 0
                        ).round(5),
                        "bookings_lift": value_q[r, q].round(2),
                    }
                )
            )
    cols = ["program", "rep_id", "quarter", "expected_deals", "win_rate_lift", "bookings_lift"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def _creation_rates(reps: _Reps, spec: Size, days: _Timeline) -> np.ndarray:
    """Expected deals created per rep (rows) and day (columns) over the whole horizon.

    Rates follow the rep's productivity, their ramp (linear over four months from the hire
    date), their time in the seat, growth and monthly seasonality. Deals are only drawn up
    to the extract; the truth uses the rates beyond it too.
    """
    d = np.arange(days.n)
    tenure = d[None, :] - reps.hire[:, None]
    employed = (tenure >= 0) & (d[None, :] < reps.end[:, None])
    ramp = np.clip(tenure / RAMP_DAYS, 0, 1)
    trend = (1 + GROWTH_PER_YEAR) ** ((d - days.data_start) / 365.25)
    season = CREATION_SEASON[days.month]
    base = WEEKLY_DEALS[reps.seg] / 7 * spec.rate_scale * reps.productivity
    return base[:, None] * ramp * employed * (trend * season)[None, :]


@dataclass(frozen=True)
class _Deals:
    """Every deal of a chunk as the generating process decided it (one entry per deal)."""

    rep: np.ndarray  # originating rep
    created: np.ndarray
    seg: np.ndarray
    product: np.ndarray
    amount_final: np.ndarray
    amount_first: np.ndarray  # the amount first entered, corrected at Proposal
    zombie: np.ndarray
    won: np.ndarray
    cycle: np.ndarray
    close: np.ndarray  # the day it closes (won or lost), also beyond the extract
    planned_close: np.ndarray  # the close the rep works towards, before steering it (below)

    @property
    def n(self) -> int:
        """Number of deals."""
        return len(self.created)

    def take(self, idx: np.ndarray) -> _Deals:
        """The deals at positions ``idx``."""
        return _Deals(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})


def _create_deals(
    reps: _Reps, rate: np.ndarray, p_win: np.ndarray, days: _Timeline, rng: np.random.Generator
) -> _Deals:
    """Draw the deals (Poisson per rep and day), their product, amount and outcome.

    ``p_win`` is each rep's win propensity by created day (:func:`_win_propensity`).

    Returns
    -------
    _Deals
        Every deal created up to the extract, in order of rep and created day.
    """
    counts = rng.poisson(rate * (np.arange(days.n) <= days.extract)[None, :])
    rep_idx, day = np.nonzero(counts)
    rep = np.repeat(rep_idx, counts[rep_idx, day])
    created = np.repeat(day, counts[rep_idx, day])
    n = len(created)
    seg = reps.seg[rep]
    u = rng.random(n)
    product = (u[:, None] > np.cumsum(PRODUCT_P, axis=1)[seg]).sum(axis=1)
    mult = PRODUCT_MULT[product] / (PRODUCT_P @ PRODUCT_MULT)[seg]
    noise = rng.lognormal(-0.5 * AMOUNT_SIGMA**2, AMOUNT_SIGMA, n)
    amount_final = np.maximum(np.round(MEAN_AMOUNT[seg] * mult * noise, 0), 500.0)
    amount_first = np.round(amount_final * rng.lognormal(0.05, 0.2, n), -2)
    zombie, won, cycle, close = _outcomes(p_win[rep, created], seg, created, days, rng)
    return _Deals(
        rep, created, seg, product, amount_final, amount_first, zombie, won, cycle, close, close
    )


def _outcomes(
    p_win: np.ndarray,
    seg: np.ndarray,
    created: np.ndarray,
    days: _Timeline,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which deals are won, stall ("zombies") or are lost, and the day each closes.

    Won cycles are gamma by segment, lost ones shorter; zombies stall 200-400 days before a
    clean-up closes them lost. Won deals due in a quarter's first days are often pulled
    into the previous quarter's last days (more so at the fiscal year end).

    Returns
    -------
    tuple
        ``zombie``, ``won``, ``cycle`` (days) and ``close`` (day index) per deal.
    """
    n = len(created)
    zombie = rng.random(n) < ZOMBIE_SHARE
    won = (rng.random(n) < p_win) & ~zombie
    mean_cycle = WON_CYCLE_DAYS[seg]
    cycle = np.where(
        won,
        rng.gamma(CYCLE_SHAPE, mean_cycle / CYCLE_SHAPE),
        rng.gamma(2.0, 0.8 * mean_cycle / 2.0),
    )
    cycle = np.where(zombie, rng.uniform(200, 400, n), cycle)
    close = created + np.maximum(np.ceil(cycle), 1).astype(int)
    safe_close = np.minimum(close, days.n - 1)
    qs = days.quarter_start[safe_close]
    in_window = (close - qs) < PULL_DAYS
    share = np.where(days.quarter_is_year_start[safe_close], PULL_SHARE_YEAR_END, PULL_SHARE)
    pulled_to = qs - 1 - rng.integers(0, 6, n)
    pull = won & in_window & (rng.random(n) < share) & (pulled_to >= created)
    return zombie, won, cycle, np.where(pull, pulled_to, close)


def _stage_entries(deals: _Deals, rng: np.random.Generator) -> np.ndarray:
    """The day each deal entered each open stage (rows: deals, columns: the five stages).

    Won deals pass every stage at a fraction of their cycle; lost deals stop at a last stage
    drawn from :data:`LOST_LAST_STAGE_P`; zombies move within their first 60 days, then
    stall. Stages never reached hold a day beyond any horizon.
    """
    n = deals.n
    last_stage = np.where(
        deals.won, 4, (rng.random(n)[:, None] > np.cumsum(LOST_LAST_STAGE_P)[None, :]).sum(axis=1)
    )
    span = np.where(deals.zombie, np.minimum(deals.cycle, 60), deals.cycle)
    frac = np.where(
        deals.won[:, None],
        WON_STAGE_FRACTION[None, :] * rng.uniform(0.85, 1.15, (n, 1)),
        np.arange(5)[None, :] / (last_stage[:, None] + 1),
    )
    entry = deals.created[:, None] + np.floor(frac * span[:, None]).astype(int)
    entry = np.where(np.arange(5)[None, :] <= last_stage[:, None], entry, np.iinfo(np.int32).max)
    entry[:, 0] = deals.created
    return entry


_NEVER = np.iinfo(np.int32).max  # a day beyond any horizon


@dataclass(frozen=True)
class _ClosePath:
    """Each deal's expected close date over time, as its rep kept it in the CRM.

    ``change_day[i, k]`` is the day of the deal's k-th change (:data:`_NEVER` when it has
    fewer), ``value[i, k]`` the expected close after k changes.
    """

    change_day: np.ndarray
    value: np.ndarray

    def on(self, deal: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The expected close date of deals ``deal`` as shown on days ``day``."""
        k = (self.change_day[deal] <= day[:, None]).sum(axis=1)
        return self.value[deal, k]

    def at_extract(self) -> np.ndarray:
        """The expected close date each deal shows at the extract (changes stop there)."""
        k = (self.change_day < _NEVER).sum(axis=1)
        return self.value[np.arange(len(k)), k]


def _close_dates(
    deals: _Deals,
    entry: np.ndarray,
    optimism: np.ndarray,
    days: _Timeline,
    rng: np.random.Generator,
) -> _ClosePath:
    """Plan, re-estimate and push each deal's expected close date (slipping deals).

    At creation the rep plans the segment's typical cycle (optimists plan shorter). When
    the deal reaches Proposal the rep re-estimates the date from what they now know: near
    the real one, earlier for optimists. Whenever the expected date passes while the deal
    is open, the rep notices on the next weekly snapshot and pushes it two to six weeks;
    zombies are pushed one to three times and then left past due. Changes stop at the
    extract.
    """
    n = deals.n
    opt = optimism[deals.rep]
    plan = WON_CYCLE_DAYS[deals.seg] * np.exp(rng.normal(-0.15 * opt, 0.3, n))
    cur = deals.created + np.maximum(np.round(plan), 7).astype(np.int64)
    replan_day = entry[:, REPLAN_STAGE]
    replan_day = np.where(
        deals.zombie | (replan_day >= deals.close) | (replan_day > days.extract),
        _NEVER,
        replan_day,
    )
    guess = deals.planned_close + np.round(
        rng.normal(-REPLAN_BIAS_DAYS * opt, REPLAN_SD_DAYS)
    ).astype(int)
    replan_value = np.maximum(guess, np.minimum(replan_day, days.n) + 3)
    max_push = np.where(deals.zombie, rng.integers(1, 4, n), 20)
    k_max = MAX_CLOSE_DATE_CHANGES
    change_day = np.full((n, k_max), _NEVER, dtype=np.int64)
    value = np.zeros((n, k_max + 1), dtype=np.int64)
    value[:, 0] = cur
    pushes = np.zeros(n, dtype=int)
    replanned = np.zeros(n, dtype=bool)
    snaps = days.snapshots
    for k in range(k_max):
        i = np.searchsorted(snaps, cur, side="right")
        notice = np.where(i < len(snaps), snaps[np.minimum(i, len(snaps) - 1)], _NEVER)
        push = (notice <= days.extract) & (notice < deals.close) & (pushes < max_push)
        push_day = np.where(push, notice, _NEVER)
        pending = np.where(replanned, _NEVER, replan_day)
        is_replan = pending <= push_day
        day = np.minimum(push_day, pending)
        go = day < _NEVER
        is_replan &= go
        new = np.where(is_replan, replan_value, notice + rng.integers(14, 46, n))
        change_day[:, k] = np.where(go, day, _NEVER)
        cur = np.where(go, new, cur)
        value[:, k + 1] = cur
        pushes += go & ~is_replan
        replanned |= is_replan
    return _ClosePath(change_day, value)


@dataclass(frozen=True)
class _Owners:
    """Who owns each deal, and every owner change (a CRM owner change when a rep leaves)."""

    original: np.ndarray  # the rep who created the deal
    owner: np.ndarray  # its current owner
    since: np.ndarray  # the day the current owner received it; -1 when always theirs
    moves: pd.DataFrame  # deal, from_rep, to_rep, day (rep indexes), in time order

    def previous(self) -> np.ndarray:
        """The owner of each deal before its last move (-1: never moved)."""
        out = np.full(len(self.owner), -1, dtype=np.int64)
        last = self.moves.drop_duplicates("deal", keep="last")  # moves are in time order
        out[last["deal"].to_numpy()] = last["from_rep"].to_numpy()
        return out

    def on(self, deal: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The owner of deals ``deal`` on days ``day`` (the owner before any later move)."""
        owner = self.original[deal]
        if self.moves.empty:
            return owner
        width = int(max(self.moves["day"].max(), day.max(initial=0))) + 1
        key = self.moves["deal"].to_numpy() * width + self.moves["day"].to_numpy()
        order = np.argsort(key, kind="stable")
        key, to = key[order], self.moves["to_rep"].to_numpy()[order]
        pos = np.searchsorted(key, deal * width + day, side="right") - 1
        hit = pos >= 0
        hit[hit] = key[pos[hit]] // width == deal[hit]
        return np.where(hit, to[np.maximum(pos, 0)], owner)


def _reassign(
    deals: _Deals, entry: np.ndarray, reps: _Reps, days: _Timeline, rng: np.random.Generator
) -> _Owners:
    """Hand the open deals of every rep who leaves to the backfill or a teammate.

    Leavers are taken in the order they leave, so a deal inherited by a rep who later
    leaves too moves again. On the leaving day, deals still in Prospecting or
    Qualification wait for the seat's backfill when one starts before the deal closes
    (received on the backfill's first day); the others go to a random teammate of the same
    segment in the team (any teammate when none sells to the segment) on the leaving day.
    A deal with neither stays with the leaver.
    """
    owner = deals.rep.copy()
    since = np.full(deals.n, -1, dtype=np.int64)
    moves = [pd.DataFrame({"deal": [], "from_rep": [], "to_rep": [], "day": []}, dtype=np.int64)]
    left = np.flatnonzero(reps.end <= days.extract)
    for r in left[np.argsort(reps.end[left], kind="stable")]:
        leave = int(reps.end[r])
        mine = np.flatnonzero((owner == r) & (deals.close > leave))
        if len(mine) == 0:
            continue
        backfill = int(reps.next_rep[r])
        starts = int(reps.hire[backfill]) if backfill >= 0 else _NEVER
        stage = (entry[mine] <= leave).sum(axis=1) - 1
        wait = (stage <= BACKFILL_MAX_STAGE) & (starts < deals.close[mine])
        mates = _teammates(reps, int(r), leave)
        if len(mates):
            to = np.where(wait, backfill, mates[rng.integers(0, len(mates), len(mine))])
        else:
            wait = starts < deals.close[mine]
            to = np.where(wait, backfill, -1)
        day = np.where(wait, starts, leave)
        keep = to >= 0
        mine, to, day = mine[keep], to[keep], day[keep]
        owner[mine] = to
        since[mine] = day
        moves.append(pd.DataFrame({"deal": mine, "from_rep": r, "to_rep": to, "day": day}))
    frame = pd.concat(moves, ignore_index=True).astype(np.int64)
    frame = frame.sort_values(["day", "deal"], kind="stable").reset_index(drop=True)
    return _Owners(deals.rep, owner, since, frame)


def _teammates(reps: _Reps, r: int, day: int) -> np.ndarray:
    """Reps in ``r``'s team in a seat on ``day`` (same segment when there are any)."""
    here = (reps.team == reps.team[r]) & (reps.hire <= day) & (reps.end > day)
    here[r] = False
    same = here & (reps.seg == reps.seg[r])
    return np.flatnonzero(same if same.any() else here)


def _accounts(
    reps: _Reps,
    deals: _Deals,
    offset: int,
    rng: np.random.Generator,
    fit_rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, pd.DataFrame]:
    """Accounts per seat (territory) and the account of each deal, in its creator's seat.

    A lost deal picks an account of its seat uniformly (the draw of ``rng``, as always); a won
    deal picks one with weight ``exp(true_fit)`` (from ``fit_rng``), so within a territory an
    account's odds of a win rise by a factor e per unit of fit. Nothing else about a deal moves.

    Returns
    -------
    tuple
        The accounts table, the account id of each deal, the territory of each rep and the
        accounts' truth (account_id, true_fit, potential).
    """
    seat_key = reps.frame["team"] + "|" + reps.frame["seat"].astype(str)
    seat_codes, seat_of_rep = np.unique(seat_key, return_inverse=True)
    seat_seg = np.zeros(len(seat_codes), dtype=int)
    seat_seg[seat_of_rep] = reps.seg
    n_acc_seat = np.array([40, 30, 15])[seat_seg]
    acc_start = np.concatenate([[0], np.cumsum(n_acc_seat)[:-1]])
    n_acc = int(n_acc_seat.sum())
    acc_seg = np.repeat(seat_seg, n_acc_seat)
    emp_mu = np.array([np.log(60), np.log(600), np.log(6000)])
    size_z = rng.normal(0.0, 1.0, n_acc)  # the same draws as rng.lognormal(emp_mu, 0.6)
    employees = np.round(np.exp(emp_mu[acc_seg] + 0.6 * size_z)).astype(int) + 5
    revenue = np.round(employees * rng.lognormal(np.log(180_000), 0.5, n_acc), -3)
    seat_region = np.empty(len(seat_codes), dtype=object)
    seat_region[seat_of_rep] = reps.frame["region"].to_numpy()
    seat_team = np.empty(len(seat_codes), dtype=object)
    seat_team[seat_of_rep] = reps.frame["team"].to_numpy()
    words = rng.integers(0, len(ACCOUNT_WORDS), (2, n_acc))
    suffix = rng.integers(0, len(ACCOUNT_SUFFIX), n_acc)
    names = [
        f"{ACCOUNT_WORDS[a]} {ACCOUNT_WORDS[b]} {ACCOUNT_SUFFIX[c]}"
        for a, b, c in zip(words[0], words[1], suffix, strict=True)
    ]
    acc_ids = np.array([f"A{offset + k + 1:06d}" for k in range(n_acc)], dtype=object)
    territory = np.array(
        [
            f"{seat_team[s]} / T{int(code.split('|')[1]) + 1:02d}"
            for s, code in enumerate(seat_codes)
        ],
        dtype=object,
    )
    industry = rng.integers(0, len(INDUSTRIES), n_acc)
    accounts = pd.DataFrame(
        {
            "account_id": acc_ids,
            "account_name": names,
            "industry": np.array(INDUSTRIES)[industry],
            "segment": np.array(SEGMENTS)[acc_seg],
            "region": np.repeat(seat_region, n_acc_seat),
            "employees": employees,
            "annual_revenue": revenue.astype(float),
            "territory": np.repeat(territory, n_acc_seat),
        }
    )
    deal_seat = seat_of_rep[deals.rep]
    idx = acc_start[deal_seat] + (rng.random(deals.n) * n_acc_seat[deal_seat]).astype(int)
    fit = INDUSTRY_FIT[industry] + SIZE_FIT * size_z + fit_rng.normal(0, FIT_NOISE_SD, n_acc)
    idx = np.where(deals.won, _weighted_pick(np.exp(fit), acc_start, deal_seat, fit_rng), idx)
    truth = pd.DataFrame(
        {
            "account_id": acc_ids,
            "true_fit": fit.round(4),
            "potential": np.round(POTENTIAL_SHARE * revenue * np.exp(fit / 2), -2),
        }
    )
    return accounts, acc_ids[idx].astype(object), territory[seat_of_rep], truth


def _weighted_pick(
    weight: np.ndarray, start: np.ndarray, group: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """For each item of ``group``, an index into ``weight`` drawn within its group's block.

    Blocks are contiguous: group ``g`` owns ``weight[start[g]:start[g + 1]]``; the chance of
    each index is its weight over the block's total.
    """
    cum = np.cumsum(weight)
    before = np.concatenate([[0.0], cum])[start]
    end = np.append(start[1:], len(weight))
    total = np.concatenate([[0.0], cum])[end] - before
    target = before[group] + rng.random(len(group)) * total[group]
    pick = np.searchsorted(cum, target, side="right")
    return np.clip(pick, start[group], end[group] - 1)


_FORECAST_CATEGORY = _frozen(
    [
        [  # expected close more than COMMIT_NEAR_DAYS away
            ["Pipeline", "Pipeline", "Pipeline", "Pipeline", "Best Case"],
            ["Pipeline", "Pipeline", "Pipeline", "Best Case", "Commit"],
            ["Pipeline", "Pipeline", "Best Case", "Commit", "Commit"],
        ],
        [  # expected close within COMMIT_NEAR_DAYS
            ["Pipeline", "Pipeline", "Pipeline", "Best Case", "Commit"],
            ["Pipeline", "Pipeline", "Best Case", "Commit", "Commit"],
            ["Pipeline", "Pipeline", "Best Case", "Commit", "Commit"],
        ],
    ],
    dtype=object,
)
"""Forecast category by nearness of the expected close, the owner's optimism (pessimist,
typical, optimist) and the open stage."""


def _forecast_category(
    optimism: np.ndarray, stage: np.ndarray, days_to_close: np.ndarray
) -> np.ndarray:
    """The forecast category an owner of ``optimism`` gives an open deal.

    Deals move up a category as their expected close date nears: a typical rep commits a
    deal in Negotiation, or in Proposal once it is due within :data:`COMMIT_NEAR_DAYS`.
    """
    bucket = np.digitize(optimism, [-0.8, 0.8])
    near = (days_to_close <= COMMIT_NEAR_DAYS).astype(int)
    return _FORECAST_CATEGORY[near, bucket, np.minimum(stage, 4)]


def _opportunities(
    deals: _Deals,
    entry: np.ndarray,
    path: _ClosePath,
    owners: _Owners,
    account_id: np.ndarray,
    reps: _Reps,
    days: _Timeline,
    rng: np.random.Generator,
    offset: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The opportunities table as the CRM shows it at the extract.

    Returns
    -------
    tuple
        The table, and which deals have a blank amount (early-stage deals nobody priced).
    """
    is_closed = deals.close <= days.extract
    stage_open = (entry <= days.extract).sum(axis=1) - 1
    stage = np.where(is_closed, np.where(deals.won, 5, 6), stage_open)
    priced = entry[:, 3] <= np.minimum(deals.close, days.extract)
    amount = np.where(priced, deals.amount_final, deals.amount_first)
    category = np.where(
        is_closed,
        np.where(deals.won, "Closed", "Omitted"),
        _forecast_category(
            reps.optimism[owners.owner], stage_open, path.at_extract() - days.extract
        ),
    )
    probability = np.where(
        is_closed, np.where(deals.won, 1.0, 0.0), STAGE_PROBABILITY[np.minimum(stage_open, 4)]
    )
    early = ~is_closed & (stage_open == 0)
    blank_account = early & (rng.random(deals.n) < 0.06)
    blank_amount = early & (rng.random(deals.n) < 0.03)
    opps = pd.DataFrame(
        {
            "opp_id": np.array([f"O{offset + k + 1:07d}" for k in range(deals.n)], dtype=object),
            "account_id": np.where(blank_account, np.array(None, dtype=object), account_id),
            "rep_id": reps.ids[owners.owner],
            "product": np.array(PRODUCTS)[deals.product],
            "stage": np.array(STAGES)[stage],
            "amount": np.where(blank_amount, np.nan, amount),
            "created_date": days.to_dates(deals.created),
            "close_date": days.to_dates(np.where(is_closed, deals.close, path.at_extract())),
            "is_closed": is_closed,
            "is_won": deals.won & is_closed,
            "forecast_category": category,
            "probability": probability,
            "lead_source": np.array(LEAD_SOURCES)[rng.integers(0, 4, deals.n)],
            "reassigned_date": days.to_nullable_dates(owners.since),
            "previous_rep_id": _ids_or_blank(reps.ids, owners.previous()),
        }
    )
    return opps, blank_amount


def _ids_or_blank(ids: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``ids[index]``, blank (None) where ``index`` is negative."""
    return np.where(index >= 0, ids[np.maximum(index, 0)], np.array(None, dtype=object))


def _history(
    deals: _Deals,
    entry: np.ndarray,
    path: _ClosePath,
    owners: _Owners,
    reps: _Reps,
    blank_amount: np.ndarray,
    opp_ids: np.ndarray,
    days: _Timeline,
) -> pd.DataFrame:
    """Weekly snapshots: every open deal each Friday, and once more after it closed.

    Each row shows the deal as it stood that day: stage, amount (corrected at Proposal),
    expected close date, its owner that day (``rep_id``, as a CRM snapshot table keeps
    ``OwnerId``) and the forecast category that owner gave it.
    """
    snaps = days.snapshots
    first = np.searchsorted(snaps, np.maximum(deals.created, days.data_start), side="left")
    last = np.searchsorted(snaps, np.minimum(deals.close + 6, days.extract), side="right")
    n_rows = np.maximum(last - first, 0)
    deal = np.repeat(np.arange(deals.n), n_rows)
    offs = np.arange(n_rows.sum()) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
    s = snaps[first[deal] + offs]
    closed = s >= deals.close[deal]
    won = deals.won[deal]
    st_open = (entry[deal] <= s[:, None]).sum(axis=1) - 1
    amount = np.where(entry[deal, 3] <= s, deals.amount_final[deal], deals.amount_first[deal])
    expected = path.on(deal, s)
    owner = owners.on(deal, s)
    category = np.where(
        closed,
        np.where(won, "Closed", "Omitted"),
        _forecast_category(reps.optimism[owner], st_open, expected - s),
    )
    history = pd.DataFrame(
        {
            "snapshot_date": days.to_dates(s),
            "opp_id": opp_ids[deal],
            "rep_id": reps.ids[owner],
            "stage": np.array(STAGES)[np.where(closed, np.where(won, 5, 6), st_open)],
            "amount": np.where(blank_amount[deal] & ~closed, np.nan, amount),
            "close_date": days.to_dates(np.where(closed, deals.close[deal], expected)),
            "forecast_category": category,
            "is_closed": closed,
            "is_won": closed & won,
        }
    )
    return history.sort_values(["snapshot_date", "opp_id"], kind="stable")


def _activities(
    deals: _Deals,
    owners: _Owners,
    reps: _Reps,
    spec: Size,
    opp_ids: np.ndarray,
    days: _Timeline,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Calls, emails, meetings and demos on open deals, logged by the deal's owner that day.

    More for long-open deals and hard-working reps; none while a deal waits for a
    backfill (its owner has left), none before the data starts. In time order; the
    ``activity_id`` is given when the table is written (a CRM numbers activities as they
    are logged).
    """
    effort = reps.productivity * rng.lognormal(0, 0.2, reps.n)
    open_days = np.minimum(deals.close, days.extract) - deals.created
    n_act = rng.poisson(spec.activity_scale * effort[deals.rep] * (1 + open_days / 10.0))
    deal = np.repeat(np.arange(deals.n), n_act)
    day = deals.created[deal] + (rng.random(len(deal)) * (open_days[deal] + 1)).astype(int)
    kind = np.array(ACTIVITY_TYPES)[rng.choice(4, len(deal), p=[0.35, 0.4, 0.15, 0.1])]
    keep = day >= days.data_start
    deal, day, kind = deal[keep], day[keep], kind[keep]
    rep = owners.on(deal, day)
    keep = (reps.hire[rep] <= day) & (day < reps.end[rep])
    deal, day, kind, rep = deal[keep], day[keep], kind[keep], rep[keep]
    in_time = np.argsort(day, kind="stable")
    return pd.DataFrame(
        {
            "rep_id": reps.ids[rep][in_time],
            "opp_id": opp_ids[deal][in_time],
            "activity_date": days.to_dates(day[in_time]),
            "activity_type": kind[in_time],
        }
    )


def _expected_bookings(
    reps: _Reps, rate: np.ndarray, p_win: np.ndarray, days: _Timeline
) -> tuple[np.ndarray, np.ndarray]:
    """Expected won value per rep (rows) by close day (columns) under the generating process.

    The creation rate times the won value of a deal (its win propensity on the created day,
    training included), convolved with the segment's won-cycle distribution, with the
    quarter-start pull-in applied.

    Returns
    -------
    tuple
        Of every deal the rep creates, and of those closing while the rep is in the seat.
    """
    lag = np.arange(0, 800)
    won_value = rate * p_win * ((1 - ZOMBIE_SHARE) * MEAN_AMOUNT[reps.seg])[:, None]
    by_close = np.zeros_like(won_value)
    for s in range(len(SEGMENTS)):
        rows = reps.seg == s
        if not rows.any():
            continue
        cdf = stats.gamma.cdf(lag, CYCLE_SHAPE, scale=WON_CYCLE_DAYS[s] / CYCLE_SHAPE)
        pmf = np.zeros(len(lag))
        pmf[1:] = np.diff(cdf)
        pmf[1] += cdf[0]
        conv = signal.fftconvolve(won_value[rows], pmf[None, :], axes=1)[:, : days.n]
        by_close[rows] = np.clip(conv, 0.0, None)
    by_close = _apply_pull(by_close, days)
    in_seat = by_close * (np.arange(days.n)[None, :] < reps.end[:, None])
    return by_close, in_seat


def _apply_pull(by_close: np.ndarray, days: _Timeline) -> np.ndarray:
    """Move the expected share of won value pulled from a quarter's first days to the previous quarter."""
    out = by_close.copy()
    for qs in np.unique(days.quarter_start):
        if qs - 1 < 0 or qs + PULL_DAYS > days.n:
            continue
        share = PULL_SHARE_YEAR_END if days.quarter_is_year_start[qs] else PULL_SHARE
        moved = out[:, qs : qs + PULL_DAYS] * share
        out[:, qs : qs + PULL_DAYS] -= moved
        out[:, qs - 1] += moved.sum(axis=1)
    return out


def _period_sums(values: np.ndarray, period: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row sums of ``values`` over runs of equal ``period`` (days in order), and the run lengths."""
    starts = np.flatnonzero(np.r_[True, period[1:] != period[:-1]])
    return np.add.reduceat(values, starts, axis=1), np.diff(np.r_[starts, len(period)])


def _quota_ramp(reps: _Reps, days: _Timeline) -> np.ndarray:
    """The quota ramp of each rep (rows) by day (columns), as if they never left.

    Nothing for the segment's typical won cycle after the hire date (the first deals are
    still open), then linear to full over four months: the bookings a new hire can make.
    """
    tenure = np.arange(days.n)[None, :] - reps.hire[:, None]
    return np.clip((tenure - WON_CYCLE_DAYS[reps.seg][:, None]) / RAMP_DAYS, 0.0, 1.0)


def _capacity(reps: _Reps, days: _Timeline) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ramp-adjusted time in the seat: per rep and quarter, and per segment and year.

    Returns
    -------
    tuple
        ``capacity``: rep_id, period, year, quarter_of_year, segment and ``capacity`` (the
        share of the quarter in the seat, ramp-adjusted) for every quarter of the export in
        which the rep gets a quota (hired by day 45 of it, and enough capacity).
        ``ramped``: year, segment, ``ramped_reps`` (ramped rep-years in the seats) and
        ``planned_reps`` (the ramped rep-years the year's plan expects: the rep in each seat
        on the year's first day, or the one hired into it during the year, staying on).
    """
    ramp = _quota_ramp(reps, days)
    in_seat = ramp * (np.arange(days.n)[None, :] < reps.end[:, None])
    q_sum, q_len = _period_sums(in_seat, days.quarter_index)
    q_cap = q_sum / q_len
    q_first = np.r_[0, np.cumsum(q_len)[:-1]]
    rows = []
    for j in days.data_quarters():
        start = q_first[j]
        label = str(days.quarters[j])
        ok = (
            (reps.hire <= start + QUOTA_LATEST_HIRE_DAY)
            & (reps.end > start)
            & (q_cap[:, j] >= QUOTA_MIN_CAPACITY)
        )
        rows.append(
            pd.DataFrame(
                {
                    "rep_id": reps.ids[ok],
                    "period": label,
                    "year": int(label[:4]),
                    "quarter_of_year": int(label[-1]),
                    "segment": np.array(SEGMENTS)[reps.seg[ok]],
                    "capacity": q_cap[ok, j],
                }
            )
        )
    y_sum, y_len = _period_sums(in_seat, days.year)
    plan_sum, _ = _period_sums(ramp, days.year)
    years = np.unique(days.year)
    y_first = np.r_[0, np.cumsum(y_len)[:-1]]
    prev_end = np.where(reps.prev_rep >= 0, reps.end[np.maximum(reps.prev_rep, 0)], -1)
    planned = (
        (reps.end[:, None] > y_first[None, :])
        & (reps.hire[:, None] < (y_first + y_len)[None, :])
        & (prev_end[:, None] <= y_first[None, :])
    )
    ramped = pd.DataFrame(
        {
            "year": np.tile(years, reps.n),
            "segment": np.repeat(np.array(SEGMENTS)[reps.seg], len(years)),
            "ramped_reps": (y_sum / y_len).ravel(),
            "planned_reps": (plan_sum * planned / y_len).ravel(),
        }
    )
    ramped = ramped.groupby(["year", "segment"], as_index=False).sum()
    return pd.concat(rows, ignore_index=True), ramped


def _year_bookings(deals: _Deals, close: np.ndarray, days: _Timeline, year: int) -> pd.Series:
    """Won amounts closed in fiscal ``year`` (on or before the extract), per segment.

    This covers the years before the export starts too: the history the plan is made from.
    """
    won = deals.won & (close <= days.extract) & (days.year[np.minimum(close, days.n - 1)] == year)
    by_seg = np.bincount(deals.seg[won], weights=deals.amount_final[won], minlength=len(SEGMENTS))
    return pd.Series(by_seg, index=list(SEGMENTS))


def _year_plan(
    year: int, booked: pd.Series, ramped: pd.DataFrame, last: dict[str, float], area: str
) -> pd.DataFrame:
    """The area's plan for fiscal ``year`` per segment: target and quota per ramped seat.

    Parameters
    ----------
    year
        The fiscal year planned.
    booked
        Last year's bookings per segment.
    ramped
        Ramped and planned rep-years per year and segment (from :func:`_capacity`).
    last
        Last year's quota per ramped seat per segment (0 when none): quotas never fall.
    area
        The sales area's name.

    Returns
    -------
    pandas.DataFrame
        One row per segment with seats; see ``truth/README.md`` for the columns.
    """
    r = ramped.set_index(["year", "segment"])
    rows = []
    for segment in SEGMENTS:
        if (year - 1, segment) not in r.index or (year, segment) not in r.index:
            continue
        prior = float(r.loc[(year - 1, segment), "ramped_reps"])
        planned = float(r.loc[(year, segment), "planned_reps"])
        if prior <= 0 or planned <= 0:
            continue
        per_rep = float(booked[segment]) / prior
        target = per_rep * (1 + GROWTH_PLAN) * planned
        quota = max(
            target * QUOTA_STRETCH / planned, last.get(segment, 0.0) * (1 + QUOTA_MIN_RAISE)
        )
        rows.append(
            {
                "fiscal_year": year,
                "area": area,
                "segment": segment,
                "prior_year_bookings": round(float(booked[segment]), 2),
                "prior_year_ramped_reps": round(prior, 3),
                "bookings_per_ramped_rep": round(per_rep, 2),
                "growth_plan": GROWTH_PLAN,
                "planned_ramped_reps": round(planned, 3),
                "target": round(target, 2),
                "stretch": QUOTA_STRETCH,
                "quota_per_ramped_seat": round(quota, 2),
                "quarter_split": "/".join(f"{x:g}" for x in QUARTER_SPLIT),
            }
        )
    return pd.DataFrame(rows)


def _quotas(plan: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    """Each rep's quarterly quota: the seat's plan x the quarter's split x the rep's capacity.

    Returns
    -------
    pandas.DataFrame
        rep_id, period, quota (rounded to hundreds), by period and rep.
    """
    per_seat = plan.set_index("segment")["quota_per_ramped_seat"]
    seat = capacity["segment"].map(per_seat).to_numpy(dtype=float)
    split = QUARTER_SPLIT[capacity["quarter_of_year"].to_numpy() - 1]
    out = capacity.assign(quota=np.round(seat * split * capacity["capacity"].to_numpy(), -2))
    out = out[out["quota"] > 0]
    return out.sort_values(["period", "rep_id"], kind="stable", ignore_index=True)


def _cumsum_within(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running sums of ``values`` restarting at each new ``group`` (rows sorted by group)."""
    if len(values) == 0:
        return values.astype(float)
    total = np.cumsum(values)
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    start = np.repeat(total[first] - values[first], np.diff(np.r_[first, len(group)]))
    return total - start


def _manage_timing(
    deals: _Deals,
    close: np.ndarray,
    quota: np.ndarray,
    first: int,
    last: int,
    year_end: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """Reps steer won deals around one quarter's end against their quota.

    A rep far above quota (over :data:`SANDBAG_ABOVE`) lets some of the quarter's last
    three weeks' wins slip into the next quarter, down to :data:`SANDBAG_DOWN_TO`; a rep
    within reach (from :data:`PULL_FROM`) but short pulls wins due in the next three weeks
    into the quarter's last days until the quota is made. Not every customer agrees
    (:data:`SANDBAG_P`, :data:`PULL_P`). At the fiscal year end nobody holds wins back and
    reps reach further (:data:`PULL_FROM_YEAR_END`, :data:`PULL_P_YEAR_END`).

    Parameters
    ----------
    deals
        The deals (originating rep, amounts, created days, won).
    close
        Close day per deal so far.
    quota
        The quarter's quota per rep (0 without one).
    first, last
        The quarter's first and last day.
    year_end
        The quarter ends the fiscal year.
    rng
        Random generator.

    Returns
    -------
    numpy.ndarray
        The close days after the quarter end.
    """
    close = close.copy()
    rep, amount = deals.rep, deals.amount_final
    in_q = deals.won & (close >= first) & (close <= last)
    booked = np.bincount(rep[in_q], weights=amount[in_q], minlength=len(quota))
    over = (quota > 0) & (booked > SANDBAG_ABOVE * quota) & (not year_end)
    cand = np.flatnonzero(in_q & (close > last - TIMING_WINDOW_DAYS) & over[rep])
    cand = cand[np.lexsort((-close[cand], rep[cand]))]  # per rep, latest first
    agree = rng.random(len(cand)) < SANDBAG_P
    moved = _cumsum_within(rep[cand], amount[cand] * agree)
    push = agree & (booked[rep[cand]] - moved >= SANDBAG_DOWN_TO * quota[rep[cand]])
    close[cand[push]] = last + 1 + rng.integers(0, 14, int(push.sum()))
    reach, pull_p = (PULL_FROM_YEAR_END, PULL_P_YEAR_END) if year_end else (PULL_FROM, PULL_P)
    short = (quota > 0) & (booked < quota) & (booked >= reach * quota)
    due = deals.won & (close > last) & (close <= last + TIMING_WINDOW_DAYS)
    cand = np.flatnonzero(due & short[rep] & (deals.created <= last - 3))
    cand = cand[np.lexsort((close[cand], rep[cand]))]  # per rep, soonest first
    agree = rng.random(len(cand)) < pull_p
    before = _cumsum_within(rep[cand], amount[cand] * agree) - amount[cand] * agree
    pull = agree & (booked[rep[cand]] + before < quota[rep[cand]])
    close[cand[pull]] = last - rng.integers(0, 4, int(pull.sum()))
    return close


def _plan_and_timing(
    deals: _Deals,
    reps: _Reps,
    capacity: pd.DataFrame,
    ramped: pd.DataFrame,
    days: _Timeline,
    rng: np.random.Generator,
    area: str,
) -> tuple[_Deals, pd.DataFrame, pd.DataFrame]:
    """Plan each fiscal year of the export from the year before, set quotas, steer deals.

    Years are taken in order: a year's plan uses last year's bookings as they closed
    (after reps steered them around last year's quarter ends), and this year's quarter ends
    are then steered against this year's quotas. Quarters ending after the extract are not
    steered (their ends have not happened).

    Returns
    -------
    tuple
        The deals with their final close days, the plan (one row per year and segment) and
        the quotas (rep_id, period, quota).
    """
    close = deals.close.copy()
    index = {r: k for k, r in enumerate(reps.ids)}
    plans, quotas = [], []
    last: dict[str, float] = {}
    for year in sorted(capacity["year"].unique()):
        plan = _year_plan(year, _year_bookings(deals, close, days, year - 1), ramped, last, area)
        if plan.empty:
            continue
        last = dict(zip(plan["segment"], plan["quota_per_ramped_seat"], strict=True))
        q = _quotas(plan, capacity[capacity["year"] == year])
        for period in sorted(q["period"].unique()):
            j = int(np.flatnonzero(days.quarters == period)[0])
            first, end = (
                int(days.quarter_first[j]),
                int(days.quarter_first[j] + days.quarter_len[j]),
            )
            if end - 1 > days.extract:
                continue
            per_rep = np.zeros(reps.n)
            rows = q[q["period"] == period]
            per_rep[rows["rep_id"].map(index).to_numpy()] = rows["quota"].to_numpy()
            year_end = period.endswith("Q4")
            close = _manage_timing(deals, close, per_rep, first, end - 1, year_end, rng)
        plans.append(plan)
        quotas.append(q[["rep_id", "period", "quota"]])
    moved = close != deals.close
    cycle = np.where(moved, (close - deals.created).astype(float), deals.cycle)
    steered = replace(deals, close=close, cycle=cycle)
    return steered, pd.concat(plans, ignore_index=True), pd.concat(quotas, ignore_index=True)


def _reps_tables(
    reps: _Reps,
    territory: np.ndarray,
    opps: pd.DataFrame,
    moves: pd.DataFrame,
    days: _Timeline,
    rng: np.random.Generator,
    taken: frozenset[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reps table and the reps' truth, for every rep the export knows.

    A rep is known when in a seat on or after the data start, or when a deal of the export
    names them (as owner, or as the rep it was taken from). Reps and managers get names no
    other person has (``taken``: the names earlier slices gave).
    """
    teams = sorted(reps.frame["team"].unique())
    managers = _name(rng, len(teams))
    people = _distinct(_name(rng, reps.n) + managers, taken, rng)  # reps keep theirs first
    manager = dict(zip(teams, people[reps.n :], strict=True))
    role = np.where(reps.seg == 2, "Enterprise AE", "Commercial AE")
    out = pd.DataFrame(
        {
            "rep_id": reps.ids,
            "rep_name": people[: reps.n],
            "manager": reps.frame["team"].map(manager).to_numpy(),
            "team": reps.frame["team"].to_numpy(),
            "region": reps.frame["region"].to_numpy(),
            "role": role,
            "segment": np.array(SEGMENTS)[reps.seg],
            "hire_date": days.to_dates(reps.hire),
            "end_date": days.to_nullable_dates(np.where(reps.end > days.extract, -1, reps.end)),
            "territory": territory,
        }
    )
    truth = pd.DataFrame(
        {
            "rep_id": reps.ids,
            "true_win_rate": reps.p_win.round(4),
            "productivity": reps.productivity.round(4),
            "optimism": reps.optimism.round(4),
        }
    )
    named = set(opps["rep_id"]) | set(reps.ids[moves["from_rep"].to_numpy()])
    known = (reps.end >= days.data_start) | np.isin(reps.ids, list(named))
    return out[known].reset_index(drop=True), truth[known].reset_index(drop=True)


def _chunk(
    seats: pd.DataFrame,
    spec: Size,
    days: _Timeline,
    rng: np.random.Generator,
    offsets: _Offsets,
    area: str,
    fit_rng: np.random.Generator,
    train_rng: np.random.Generator,
) -> _ChunkOut:
    """Simulate one slice of seats from the simulation start to the extract.

    Parameters
    ----------
    seats
        The slice's seats (from :func:`_seats`).
    spec
        The company's size.
    days
        The timeline.
    rng
        The slice's random generator (the same seed gives the same slice).
    offsets
        Ids used by earlier slices.
    area
        The slice's name as a sales area (its plan and quotas are set per area).
    fit_rng
        The slice's own stream for account fit and which account a won deal goes to (kept
        apart so that no other draw shifts).
    train_rng
        The slice's own stream for who completes which training programme when.

    Returns
    -------
    _ChunkOut
        The slice's tables (all but quotas) and what the truth and the quota plan need.
    """
    reps = _reps(seats, days, rng, offsets.rep)
    completed = _training(reps, days, train_rng)
    p_win = _win_propensity(reps, completed, days)
    rate = _creation_rates(reps, spec, days)
    every = _create_deals(reps, rate, p_win, days, rng)
    capacity, ramped = _capacity(reps, days)
    every, plan, quotas = _plan_and_timing(every, reps, capacity, ramped, days, rng, area)
    deals = every.take(np.flatnonzero(every.close >= days.data_start))  # in the export
    del every
    entry = _stage_entries(deals, rng)
    path = _close_dates(deals, entry, reps.optimism, days, rng)
    owners = _reassign(deals, entry, reps, days, rng)
    accounts, account_id, territory, truth_accounts = _accounts(
        reps, deals, offsets.account, rng, fit_rng
    )
    opps, blank_amount = _opportunities(
        deals, entry, path, owners, account_id, reps, days, rng, offsets.opp
    )
    opp_ids = opps["opp_id"].to_numpy()
    history = _history(deals, entry, path, owners, reps, blank_amount, opp_ids, days)
    activities = _activities(deals, owners, reps, spec, opp_ids, days, rng)
    reps_out, truth_reps = _reps_tables(
        reps, territory, opps, owners.moves, days, rng, offsets.names
    )
    by_close, in_seat = _expected_bookings(reps, rate, p_win, days)
    per_q, _ = _period_sums(by_close, days.quarter_index)
    in_seat_q, _ = _period_sums(in_seat, days.quarter_index)
    m = owners.moves
    return _ChunkOut(
        tables={
            "reps": reps_out,
            "opportunities": opps,
            "accounts": accounts,
            "history": history,
            "quotas": quotas,
            "activities": activities,
            "enablement": _enablement_table(reps, completed, days, reps_out["rep_id"]),
        },
        truth_reps=truth_reps,
        truth_training=_training_truth(reps, completed, rate, p_win, days),
        truth_accounts=truth_accounts,
        truth_by_rep=pd.DataFrame(
            {
                "rep_id": np.repeat(reps.ids, len(days.quarters)),
                "quarter": np.tile(days.quarters, reps.n),
                "expected_bookings": per_q.ravel().round(2),
                "expected_in_seat": in_seat_q.ravel().round(2),
            }
        ),
        company_expected=by_close.sum(axis=0),
        plan=plan,
        reassignments=pd.DataFrame(
            {
                "opp_id": opp_ids[m["deal"].to_numpy()],
                "from_rep": reps.ids[m["from_rep"].to_numpy()],
                "to_rep": reps.ids[m["to_rep"].to_numpy()],
                "reassigned_date": days.to_dates(m["day"].to_numpy()),
            }
        ),
        rep_ids_used=reps.n,
    )


class _Writers:
    """Write each table to one CSV or Parquet file, slice by slice, with fixed schemas.

    History and activities are exported in time order, as a warehouse appends snapshots week
    by week and a CRM numbers activities as they are logged. A slice's rows of those tables
    are in time order already, and its ids follow the previous slice's, so the time order of
    the whole table is, date by date, every slice's rows of that date in slice order: each
    slice goes to a temporary part, and :meth:`close` concatenates the parts date by date
    (no sort, bounded memory). Activities are numbered in that order.
    """

    SCHEMAS = MappingProxyType(
        {
            "reps": {"hire_date": pa.date32(), "end_date": pa.date32()},
            "opportunities": {
                "created_date": pa.date32(),
                "close_date": pa.date32(),
                "amount": pa.float64(),
                "probability": pa.float64(),
                "account_id": pa.string(),
                "reassigned_date": pa.date32(),
                "previous_rep_id": pa.string(),
            },
            "accounts": {"employees": pa.int64(), "annual_revenue": pa.float64()},
            "history": {
                "snapshot_date": pa.date32(),
                "close_date": pa.date32(),
                "amount": pa.float64(),
            },
            "quotas": {"quota": pa.float64()},
            "activities": {"activity_date": pa.date32()},
            "enablement": {"completed_date": pa.date32()},
        }
    )
    TIME_COLUMN = MappingProxyType({"history": "snapshot_date", "activities": "activity_date"})
    ROW_GROUP = 128 * 1024  # rows per Parquet row group of the merged tables (about)

    def __init__(self, out: Path, fmt: str) -> None:
        self.out, self.fmt = out, fmt
        self.writers: dict[str, pacsv.CSVWriter | pq.ParquetWriter] = {}
        self.schemas: dict[str, pa.Schema] = {}
        self.parts: dict[str, list[tuple[Path, np.ndarray, np.ndarray]]] = {}

    def write(self, name: str, frame: pd.DataFrame) -> None:
        """Append one slice of table ``name``."""
        if name in self.TIME_COLUMN:
            self._write_part(name, frame)
            return
        table = self._table(name, frame)
        if name not in self.writers:
            path = str(self.out / f"{name}.{self.fmt}")
            self.writers[name] = (
                pacsv.CSVWriter(path, table.schema)
                if self.fmt == "csv"
                else pq.ParquetWriter(path, table.schema, compression="zstd")
            )
        self.writers[name].write_table(table)

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

    def _write_part(self, name: str, frame: pd.DataFrame) -> None:
        """Write one slice of a time-ordered table to a part, noting where each date ends.

        For CSV the ends are byte offsets (cells of these tables never hold line breaks),
        for Parquet each date is one row group.
        """
        table = self._table(name, frame)
        parts = self.parts.setdefault(name, [])
        path = self.out / f".{name}.part{len(parts):04d}.{self.fmt}"
        day = frame[self.TIME_COLUMN[name]].to_numpy().astype("datetime64[D]").astype(np.int64)
        dates, counts = np.unique(day, return_counts=True)
        row_ends = np.cumsum(counts)
        if self.fmt == "csv":
            pacsv.write_csv(table, str(path), pacsv.WriteOptions(include_header=False))
            lines = np.flatnonzero(np.fromfile(path, dtype=np.uint8) == ord("\n"))
            ends = lines[row_ends - 1] + 1 if len(lines) else row_ends * 0
        else:
            with pq.ParquetWriter(str(path), table.schema, compression="zstd") as w:
                for start, n in zip(row_ends - counts, counts, strict=True):
                    w.write_table(table.slice(int(start), int(n)), row_group_size=int(n))
            ends = row_ends
        parts.append((path, dates, ends))

    def close(self) -> None:
        """Finish every file: close the appended ones and merge the time-ordered parts."""
        for w in self.writers.values():
            w.close()
        for name, parts in self.parts.items():
            if self.fmt == "csv":
                self._merge_csv(name, parts)
            else:
                self._merge_parquet(name, parts)
            for path, _, _ in parts:
                path.unlink()

    def _schema(self, name: str) -> pa.Schema:
        schema = self.schemas[name]
        return (
            schema.insert(0, pa.field("activity_id", pa.string()))
            if name == "activities"
            else schema
        )

    def _merge_csv(self, name: str, parts: list[tuple[Path, np.ndarray, np.ndarray]]) -> None:
        header = pa.BufferOutputStream()
        pacsv.write_csv(self._schema(name).empty_table(), header)
        files = [path.open("rb") for path, _, _ in parts]
        numbered = 0
        try:
            with (self.out / f"{name}.csv").open("wb") as out:
                out.write(header.getvalue().to_pybytes())
                for date in np.unique(np.concatenate([d for _, d, _ in parts])):
                    for f, (_, dates, ends) in zip(files, parts, strict=True):
                        i = int(np.searchsorted(dates, date))
                        if i == len(dates) or dates[i] != date:
                            continue
                        start = int(ends[i - 1]) if i else 0
                        f.seek(start)
                        block = f.read(int(ends[i]) - start)
                        if name == "activities":
                            lines = block.split(b"\n")[:-1]
                            block = b"".join(
                                b'"T%08d",%s\n' % (numbered + k + 1, line)
                                for k, line in enumerate(lines)
                            )
                            numbered += len(lines)
                        out.write(block)
        finally:
            for f in files:
                f.close()

    def _merge_parquet(self, name: str, parts: list[tuple[Path, np.ndarray, np.ndarray]]) -> None:
        files = [pq.ParquetFile(path) for path, _, _ in parts]
        numbered = 0
        pending: list[pa.Table] = []  # dates gathered into row groups of about ROW_GROUP rows
        with pq.ParquetWriter(
            str(self.out / f"{name}.parquet"), self._schema(name), compression="zstd"
        ) as out:
            for date in np.unique(np.concatenate([d for _, d, _ in parts])):
                for f, (_, dates, _) in zip(files, parts, strict=True):
                    i = int(np.searchsorted(dates, date))
                    if i < len(dates) and dates[i] == date:
                        pending.append(f.read_row_group(i))
                if sum(t.num_rows for t in pending) >= self.ROW_GROUP:
                    numbered = self._flush(name, pending, numbered, out)
            self._flush(name, pending, numbered, out)

    def _flush(
        self, name: str, pending: list[pa.Table], numbered: int, out: pq.ParquetWriter
    ) -> int:
        """Write the gathered tables as one row group (activities numbered); empty the list."""
        if not pending:
            return numbered
        table = pa.concat_tables(pending)
        pending.clear()
        if name == "activities":
            ids = [f"T{numbered + k + 1:08d}" for k in range(table.num_rows)]
            table = table.add_column(0, "activity_id", pa.array(ids, pa.string()))
        out.write_table(table, row_group_size=table.num_rows)
        return numbered + table.num_rows
