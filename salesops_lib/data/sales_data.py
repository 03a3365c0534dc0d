"""The data set: validated canonical tables, read-only, with the facts derived from them.

A :class:`SalesData` is what :func:`~salesops_lib.data.load_dataset` returns and every analysis
takes. Its tables are read-only (:class:`~salesops_lib.data.frozen.FrozenFrame`): an analyst
who wants to try an edit makes a new data set with :meth:`SalesData.replace`, and every
figure of the new one follows the edit. Facts that need all of history (each snapshot's
deal row, close-date pushes, stage index, time in stage, furthest stage) are computed once
per data set, lazily or when a run's snapshot is read, and live on the object: they are
freed with it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from salesops_lib import schema
from salesops_lib.data.frozen import freeze, one_chunk
from salesops_lib.data.presets import Stage
from salesops_lib.errors import ConfigError, SalesOpsDataError
from salesops_lib.fast import arrow_text, isin, string_buffers
from salesops_lib.periods import FiscalCalendar

if TYPE_CHECKING:
    from salesops_lib.data.facts import DealFacts

T = TypeVar("T")

PARTIAL_START_DAYS = 14
"""A quarter whose data begins more than this many days after its start is held in part."""


def _no_warnings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in schema.WARNINGS_COLUMNS})


def _kind(key: Hashable) -> Hashable:
    """The kind of a derived result: its key's first element (the whole key if no tuple)."""
    return key[0] if isinstance(key, tuple) and key else key


@dataclass(frozen=True, eq=False)
class SalesData:
    """Validated canonical tables of one data set.

    Attributes
    ----------
    reps, opportunities
        Always present (reps may be derived from the opportunities' owner columns).
    accounts, history, quotas, activities, owner_changes, enablement
        ``None`` when the source has no such table.
    calendar
        The fiscal calendar.
    warnings
        Non-blocking problems: ``table, column, ids, message``.
    stages
        The stage order with each stage's closed/won meaning.
    currency
        ISO code of the single currency of every amount.
    source
        Where the data came from (passwords masked).
    known_facts
        Facts already derived from these tables (a run's snapshot stores them); None: derive
        them when first asked (:attr:`facts`).
    shared_folder
        Where results worked out from these tables are kept for the other processes reading
        the same snapshot (:meth:`shared`): a quarterly run's snapshot has one, so report 05
        reads the forecast backtest report 03 has already run; None: kept in this process.
    export_date
        The day the export was taken, when the config states it (``data.export_date``):
        the data's last date then, even when nothing in the data is dated that late.

    Examples
    --------
    >>> data = load_dataset("data/demo")  # doctest: +SKIP
    >>> opps = data.opportunities.copy()  # doctest: +SKIP
    >>> opps.loc[opps["opp_id"] == "O0000017", "amount"] = 0.0  # doctest: +SKIP
    >>> what_if = data.replace(opportunities=opps)  # doctest: +SKIP
    """

    reps: pd.DataFrame
    opportunities: pd.DataFrame
    accounts: pd.DataFrame | None = None
    history: pd.DataFrame | None = None
    quotas: pd.DataFrame | None = None
    activities: pd.DataFrame | None = None
    owner_changes: pd.DataFrame | None = None
    enablement: pd.DataFrame | None = None
    calendar: FiscalCalendar = field(default_factory=FiscalCalendar)
    warnings: pd.DataFrame = field(default_factory=_no_warnings)
    stages: tuple[Stage, ...] = ()
    currency: str = "USD"
    source: str = ""
    known_facts: DealFacts | None = field(default=None, repr=False)
    shared_folder: Path | None = field(default=None, repr=False)
    export_date: pd.Timestamp | None = None

    def __post_init__(self) -> None:
        for name in (*schema.TABLES, "warnings"):
            # one chunk per column: a row selection then copies only the rows taken
            object.__setattr__(self, name, freeze(one_chunk(getattr(self, name))))

    def replace(self, **changes: Any) -> SalesData:
        """A new data set with some tables or settings changed (this one is unchanged).

        Facts derived from the tables are derived again for the new data set.

        Parameters
        ----------
        **changes
            Any field: ``opportunities=edited_frame``, ``history=None``, ``currency="EUR"`` ...

        Returns
        -------
        SalesData
        """
        changes.setdefault("known_facts", None)
        changes.setdefault("shared_folder", None)  # another data set: nothing shared
        return dataclasses.replace(self, **changes)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The canonical tables that are present, by name."""
        out = {}
        for name in schema.TABLES:
            frame = getattr(self, name)
            if frame is not None:
                out[name] = frame
        return out

    @cached_property
    def facts(self) -> DealFacts:
        """Per-deal facts derived from all of history (computed once, on first use)."""
        if self.known_facts is not None:
            return self.known_facts
        from salesops_lib.data.facts import derive_facts

        codes = self._derived.pop(_HISTORY_CODES, None)  # handed over by the load, used once
        return derive_facts(self.opportunities, self.history, self.stages, codes=codes)

    def derived(self, key: Hashable, make: Callable[[], T], *, keep: int | None = None) -> T:
        """A result derived from this data set alone, computed on first use and kept with it.

        The tables are read-only, so such a result never goes stale; it is freed with the
        data set. Analyses use it for intermediate results several figures share (the deals
        open at each earlier point of a forecast, a fitted model). A result must depend on
        the tables and ``key`` only.

        Parameters
        ----------
        key
            Names the result and every argument it depends on, e.g. ``("open deals", date)``.
        make
            Computes the result.
        keep
            At most this many results of the same kind (the key's first element) are kept,
            the least recently used going first; None: all. For large results asked for on
            many days, such as the deals open on each day a backtest visits, which on a
            large company would otherwise hold gigabytes until the data set is freed.

        Returns
        -------
        The result of ``make()``, the first time; the same object afterwards (while kept).
        """
        store = self._derived
        if key in store:
            if keep is not None:
                store[key] = store.pop(key)  # now the most recently used of its kind
            return store[key]  # type: ignore[no-any-return]
        value = make()
        store[key] = value
        if keep is not None:
            kind = _kind(key)
            same = [k for k in store if _kind(k) == kind]
            for old in same[: max(len(same) - keep, 0)]:
                del store[old]
        return value

    def shared(self, key: str, make: Callable[[], T]) -> T:
        """A result derived from this data set, shared with other processes reading its snapshot.

        As :meth:`derived`; in addition, with a :attr:`shared_folder` (a quarterly run's
        snapshot), the result is written there the first time any report works it out, and
        read from there by the others. The snapshot's tables are fingerprinted and read-only,
        so a result never goes stale; the folder goes with the run's snapshot. Only results
        this library wrote are read (the folder is the run's own).

        Parameters
        ----------
        key
            Names the result and every argument it depends on, as text that is the same in
            every process (e.g. ``"backtest 8 0 2026Q4 2026-09-30"``).
        make
            Computes the result.

        Returns
        -------
        The result of ``make()``, or the same result as another process wrote it.
        """
        folder = self.shared_folder
        if folder is None:
            return self.derived(("shared", key), make)

        def from_folder() -> T:
            path = folder / (hashlib.sha1(key.encode()).hexdigest() + ".pickle")
            if path.is_file():
                with path.open("rb") as f:
                    return pickle.load(f)  # type: ignore[no-any-return]  # noqa: S301 - written below
            value = make()
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # whole or not at all: a reader never sees half a file
            return value

        return self.derived(("shared", key), from_folder)

    @cached_property
    def _derived(self) -> dict[Hashable, Any]:
        return {}

    @cached_property
    def last_date(self) -> pd.Timestamp:
        """The latest date the data knows about (its extract date).

        The export date when stated (:attr:`export_date`, unless the data holds a later
        date); else the latest history snapshot when there is history; otherwise the latest
        created or close date of a closed deal, or created date of an open one.
        """
        opps = self.opportunities
        candidates = [
            opps["created_date"].max(),
            opps.loc[opps["is_closed"].fillna(False).astype(bool), "close_date"].max(),
        ]
        if self.history is not None and len(self.history):
            candidates.append(self.history["snapshot_date"].max())
        if self.export_date is not None:
            candidates.append(pd.Timestamp(self.export_date).normalize())
        vals = [c for c in candidates if pd.notna(c)]
        if not vals:
            raise SalesOpsDataError(
                "opportunities: no usable dates at all; check created_date and close_date"
            )
        return pd.Timestamp(max(vals))

    @cached_property
    def first_date(self) -> pd.Timestamp:
        """The earliest close date of a closed deal: where bookings history begins.

        Falls back to the earliest created date when no deal has closed.
        """
        opps = self.opportunities
        closed = opps["is_closed"].fillna(False).astype(bool)
        first = opps.loc[closed, "close_date"].min()
        if pd.isna(first):
            first = opps["created_date"].min()
        if pd.isna(first):
            raise SalesOpsDataError(
                "opportunities: no usable dates at all; check created_date and close_date"
            )
        return pd.Timestamp(first)

    def latest_complete_quarter(self) -> str:
        """The latest fiscal quarter that ended on or before :attr:`last_date`.

        Returns
        -------
        str
            A quarter label, e.g. ``2026Q2``.
        """
        return self.calendar.latest_complete_quarter(self.last_date)

    def default_as_of(self, quarter: str) -> pd.Timestamp:
        """The quarter's last day, or the data's last date while the quarter is running.

        Parameters
        ----------
        quarter
            A fiscal quarter label, e.g. ``2026Q3``.

        Returns
        -------
        Timestamp
            A date at midnight.
        """
        _, end = self.calendar.bounds(quarter)
        return min(end, self.last_date.normalize())

    def quarters(self) -> list[str]:
        """Every fiscal quarter from the first close to the last date, in order.

        Returns
        -------
        list of str
            Quarter labels from the quarter of :attr:`first_date` to that of :attr:`last_date`.
        """
        return self.calendar.quarter_range(
            self.calendar.quarter_of(self.first_date), self.calendar.quarter_of(self.last_date)
        )

    def quarter_label(self, quarter: str | pd.Period | None = None) -> str:
        """A quarter the data covers, in the one written form (``2026Q3``).

        Parameters
        ----------
        quarter
            A label in any form a person types (``2026Q3``, ``2026-Q3``, ``Q3 2026``,
            ``FY2026Q3``: :func:`~salesops_lib.periods.parse_quarter`), or a Period; None or
            blank: the latest complete quarter.

        Returns
        -------
        str
            The label, e.g. ``2026Q3``.

        Raises
        ------
        ConfigError
            If the text is not a quarter label (the message lists the forms read), or the
            quarter is outside the data (the message names the quarters it covers).

        Examples
        --------
        >>> data.quarter_label("Q3 2026")  # doctest: +SKIP
        '2026Q3'
        """
        if quarter is None or (isinstance(quarter, str) and not quarter.strip()):
            return self.latest_complete_quarter()
        q = self.calendar.normalize(quarter)
        quarters = self.quarters()
        if q not in quarters:
            raise ConfigError(
                f"quarter {q} is outside the data, which covers {quarters[0]} to {quarters[-1]}"
            )
        return q

    def as_of_in(self, quarter: str, as_of: object | None = None) -> pd.Timestamp:
        """A date inside ``quarter`` to count what is known on (blank: the default).

        Parameters
        ----------
        quarter
            A label as :meth:`quarter_label` returns it.
        as_of
            A date (``2026-08-15``, a Timestamp); None, blank or NaN: :meth:`default_as_of`.

        Returns
        -------
        Timestamp
            At midnight.

        Raises
        ------
        ConfigError
            If ``as_of`` is not a date, or falls outside the quarter (the message gives the
            quarter's first and last day).
        """
        start, end = self.calendar.bounds(quarter)
        if as_of is None or str(as_of).strip() in ("", "NaT", "nan", "None"):
            return self.default_as_of(quarter)
        try:
            day = pd.Timestamp(str(as_of).strip()).normalize()
        except ValueError:
            raise ConfigError(f"as_of {as_of!r} is not a date; write it like 2026-08-15") from None
        if not start <= day <= end:
            raise ConfigError(
                f"as_of {day.date()} is outside {quarter} ({start.date()} to {end.date()})"
            )
        return day

    def summary(self) -> str:
        """What the data set holds, on one screen: tables and rows, dates, quarters, stages.

        Returns
        -------
        str
            A few lines, e.g. ``opportunities  30,823 rows`` per table, then the date range,
            the quarters, the stages and the number of warnings.

        Examples
        --------
        >>> print(data.summary())  # doctest: +SKIP
        SalesData from data/demo (USD; fiscal year starts in January)
          reps                 120 rows
          opportunities     30,823 rows
        ...
        """
        month = pd.Timestamp(2000, self.calendar.start_month, 1).strftime("%B")
        lines = [
            f"SalesData from {self.source or 'frames'} ({self.currency}; "
            f"fiscal year starts in {month})"
        ]
        for name in schema.TABLES:
            frame = getattr(self, name)
            rows = "absent" if frame is None else f"{len(frame):,} rows"
            lines.append(f"  {name:<14}{rows:>14}")
        try:
            quarters = self.quarters()
            lines.append(
                f"Dates: {self.first_date.date()} (first close) to {self.last_date.date()} "
                "(last date)"
            )
            lines.append(
                f"Quarters: {quarters[0]} to {quarters[-1]} ({len(quarters)}); latest "
                f"complete: {self.latest_complete_quarter()}"
            )
        except SalesOpsDataError as exc:
            lines.append(f"Dates: none ({exc})")
        if self.stages:
            lines.append("Stages: " + " > ".join(s.name for s in self.stages))
        lines.append(f"Warnings: {len(self.warnings):,} (see .warnings)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def full_quarters(self) -> list[str]:
        """The quarters of :meth:`quarters` the data holds in full (see :meth:`partial_quarters`).

        Trailing averages, paces, goals, time series and every trend leave the others out.

        Returns
        -------
        list of str
            Quarter labels in order (empty when no quarter is held in full).
        """
        partial = self.partial_quarters()
        return [q for q in self.quarters() if q not in partial]  # a new list: callers may edit

    @property
    def history_start(self) -> pd.Timestamp:
        """The day the data's history of deals begins: the later of the first close and the
        first created date (records migrated from another CRM close before their created
        date, so their created dates are blank; Maven's deals were engaged months before
        anything closed)."""
        created = self.opportunities["created_date"].min()
        first = self.first_date
        return max(first, pd.Timestamp(created)) if pd.notna(created) else first

    def partial_quarters(self) -> dict[str, str]:
        """The quarters of :meth:`quarters` the data holds only in part, each with the reason.

        A quarter is held in part when the data's history (:attr:`history_start`) begins
        more than :data:`PARTIAL_START_DAYS` days after the quarter began (Maven's 2017Q1
        holds only March), or when, before the first quarter whose closed deals mostly have
        created dates, more than half of the deals that closed in it have none of their own,
        as records migrated from another CRM have (Salesforce's and HubSpot's first quarters
        can be a handful of such deals). An export without created dates at all is not
        held in part for that.

        Returns
        -------
        dict
            Quarter label -> why, in a manager's words (``"the data's first deal closed on
            2017-03-01, after the quarter began, although its first deal was created on
            2016-10-20"``), in quarter order.
        """
        # worked out once per data set (a forecast's backtests ask for it a hundred times)
        return dict(self.derived(("partial quarters",), self._partial_quarters))

    def _partial_quarters(self) -> dict[str, str]:
        start = self.history_start
        o = self.opportunities
        closed = o["is_closed"].fillna(False).to_numpy(dtype=bool) & o["close_date"].notna()
        quarter = self.calendar.quarters_of(o.loc[closed, "close_date"]).to_numpy()
        undated = o.loc[closed, "created_date"].isna().groupby(quarter).agg(["sum", "size"])
        mostly = undated["sum"] * 2 > undated["size"]
        dated = mostly.index[~mostly.to_numpy()]
        migrated = mostly[mostly & (mostly.index < dated.min())] if len(dated) else mostly[:0]
        out: dict[str, str] = {}
        for q in self.quarters():
            why = []
            if self.calendar.bounds(q)[0] < start - pd.Timedelta(days=PARTIAL_START_DAYS):
                why.append(self._start_words())
            if q in migrated.index:
                k, n = int(undated.loc[q, "sum"]), int(undated.loc[q, "size"])
                share = f"all {n:,} of its" if k == n else f"{k:,} of its {n:,}"
                why.append(
                    f"{share} closed deals have no created date of their own, as records "
                    "migrated from another CRM"
                )
            if why:
                out[q] = "; ".join(why)
        return out

    def _start_words(self) -> str:
        """Why a quarter before :attr:`history_start` is held in part, naming what starts then.

        ``"the data's first deal closed on 2017-03-01, after the quarter began, although its
        first deal was created on 2016-10-20"`` when the first close is the start (Maven), else
        ``"the data's first deal was created on ..."``.
        """
        start, first = self.history_start, self.first_date
        if start > first:
            return f"the data's first deal was created on {start.date()}, after the quarter began"
        created = self.opportunities["created_date"].min()
        since = (
            f", although its first deal was created on {pd.Timestamp(created).date()}"
            if pd.notna(created) and pd.Timestamp(created) < start
            else ""
        )
        return f"the data's first deal closed on {start.date()}, after the quarter began{since}"

    def for_team(self, team: str | None) -> SalesData:
        """The same data narrowed to the reps of one team (``None``: unchanged).

        Parameters
        ----------
        team
            A value of the reps' ``team`` column; None or blank: the whole company.

        Returns
        -------
        SalesData

        Raises
        ------
        ConfigError
            If no rep belongs to that team.
        """
        if team is None or str(team).strip() == "":
            return self
        reps = self.reps[self.reps["team"] == team]
        if reps.empty:
            teams = ", ".join(sorted(self.reps["team"].dropna().unique())[:10])
            raise ConfigError(f"no rep belongs to team {team!r}; teams in the data: {teams}")
        ids = reps["rep_id"]
        opps = self.opportunities[isin(self.opportunities["rep_id"], ids)]
        opp_ids = opps["opp_id"]

        def narrowed(frame: pd.DataFrame | None, column: str, keep: pd.Series) -> Any:
            if frame is None:
                return None
            return frame[isin(frame[column], keep)].reset_index(drop=True)

        return self.replace(
            reps=reps.reset_index(drop=True),
            opportunities=opps.reset_index(drop=True),
            history=narrowed(self.history, "opp_id", opp_ids),
            quotas=narrowed(self.quotas, "rep_id", ids),
            activities=narrowed(self.activities, "rep_id", ids),
            owner_changes=narrowed(self.owner_changes, "opp_id", opp_ids),
            enablement=narrowed(self.enablement, "rep_id", ids),
        )

    def fingerprint(self) -> str:
        """A SHA-256 of every table's content: equal data, equal fingerprint (computed once).

        The tables' names, columns and values and the fiscal year's start month are hashed;
        the stages, currency and source are not.

        Returns
        -------
        str
            64 hexadecimal digits.
        """
        return self._fingerprint

    @cached_property
    def _fingerprint(self) -> str:
        h = hashlib.sha256()
        for name, frame in self.tables.items():
            h.update(name.encode())
            h.update(",".join(map(str, frame.columns)).encode())
            for col in frame.columns:
                _digest_column(h, frame[col])
        h.update(str(self.calendar.start_month).encode())
        if self.export_date is not None:  # it moves the data's last date
            h.update(f"export_date={self.export_date.date()}".encode())
        return h.hexdigest()


_HISTORY_CODES = ("history deal codes",)
"""Where :func:`hand_over_history_codes` leaves the codes among :meth:`SalesData.derived`."""


def hand_over_history_codes(data: SalesData, codes: np.ndarray) -> None:
    """Give ``data`` its history rows' deal codes, already worked out, for deriving its facts.

    A load's history check looks every snapshot row's deal up among the opportunities
    (:func:`~salesops_lib.fast.deal_codes`: 20 million text ids into 2 million on the large
    demo); :attr:`SalesData.facts` needs the same codes. Handed over, they are used once and
    freed, instead of being looked up a second time when the facts are derived.

    Parameters
    ----------
    data
        The data set the codes were worked out from (its history and opportunities, rows in
        the same order).
    codes
        One per history row: :func:`~salesops_lib.fast.deal_codes` of history's ``opp_id``
        among the opportunities' ``opp_id``.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If ``codes`` is not one per history row.
    """
    rows = 0 if data.history is None else len(data.history)
    if len(codes) != rows:
        raise ValueError(f"{len(codes):,} deal codes for {rows:,} history rows")
    data.derived(_HISTORY_CODES, lambda: codes)


def _digest_column(h: Any, values: pd.Series) -> None:
    """Feed one column's content to a hash in a canonical form (same values, same bytes).

    Text is hashed as its UTF-8 bytes and lengths, numbers and dates as their values, and
    every column's missing cells as a mask, straight from the arrays: no Python object per
    cell, so tens of millions of rows take about a second.
    """
    missing = values.isna().to_numpy()
    h.update(str(values.dtype).encode())
    h.update(np.packbits(missing).tobytes())
    if isinstance(values.dtype, pd.CategoricalDtype):  # the categories, then each row's code
        _digest_column(h, pd.Series(values.cat.categories.astype("str")))
        h.update(values.cat.codes.to_numpy().astype(np.int32).tobytes())
        return
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        offsets, data = string_buffers(pc.fill_null(arrow_text(values), ""))
        h.update(np.diff(offsets).tobytes())
        if len(offsets):
            h.update(data[int(offsets[0]) : int(offsets[-1])])  # a view: no copy
        return
    if pd.api.types.is_bool_dtype(values):
        h.update(values.fillna(False).to_numpy(dtype=bool).tobytes())
        return
    if pd.api.types.is_datetime64_any_dtype(values):
        h.update(values.to_numpy(dtype="datetime64[ns]").view(np.int64).tobytes())
        return
    if pd.api.types.is_numeric_dtype(values):
        num = values.to_numpy(dtype=float, na_value=np.nan)
        h.update(np.where(missing, 0.0, num).tobytes())
        return
    h.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
