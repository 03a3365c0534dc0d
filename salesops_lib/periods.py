"""Fiscal calendars: quarter labels, bounds, week of quarter.

A fiscal year is named by the calendar year in which it **ends** (the common US convention,
and what pandas' ``Q-<month>`` frequencies do). With ``start_month=2`` the fiscal year 2027
runs from 1 February 2026 to 31 January 2027, and ``2027Q1`` is February-April 2026. With
``start_month=1`` fiscal and calendar years coincide.

Quarter labels look like ``2026Q3``. The forms a person types are read too: ``2026-Q3``,
``2026 q3``, ``Q3 2026``, ``Q3-2026``, ``FY2026Q3``, ``FY26 Q3`` and ``Q3 FY2026``. A year with
``FY`` is the fiscal year, named like every label by the calendar year it ends in, so with a
February start ``FY2027Q1`` is ``2027Q1``: February-April 2026.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib.errors import ConfigError

_MONTH_ABBR = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_SEP = r"[\s_/-]*"
_YEAR = r"(?:FY" + _SEP + r"(?P<fy>\d{4}|\d{2})|(?P<year>\d{4}))"
_LABELS = (
    re.compile(r"^" + _YEAR + _SEP + r"Q\s*(?P<q>[1-4])$", re.IGNORECASE),
    re.compile(r"^Q\s*(?P<q>[1-4])" + _SEP + _YEAR + r"$", re.IGNORECASE),
)
ACCEPTED_FORMS = "2026Q3 (also read: 2026-Q3, 2026 Q3, Q3 2026, FY2026Q3, FY26Q3, Q3 FY2026)"
"""The quarter label forms :meth:`FiscalCalendar.period` reads, as error messages name them."""


def parse_quarter(label: object) -> str:
    """A quarter label in any form a person types, written the one way: ``2026Q3``.

    Parameters
    ----------
    label
        ``2026Q3``, ``2026-Q3``, ``2026 q3``, ``Q3 2026``, ``Q3-2026``, ``FY2026Q3``,
        ``FY26 Q3`` or ``Q3 FY2026`` (case and spaces do not matter). ``FY`` years are fiscal
        years, named by the calendar year they end in, as every label is; a two-digit
        ``FY`` year is in the 2000s.

    Returns
    -------
    str
        The label, e.g. ``2026Q3``.

    Raises
    ------
    ConfigError
        If the text is not a quarter label (the message lists the forms read).

    Examples
    --------
    >>> [parse_quarter(q) for q in ("2026-Q3", "Q3 2026", "FY2027Q1", "fy27 q1")]
    ['2026Q3', '2026Q3', '2027Q1', '2027Q1']
    """
    text = str(label).strip()
    for pattern in _LABELS:
        m = pattern.match(text)
        if m:
            year = m.group("year") or m.group("fy")
            year = f"20{year}" if len(year) == 2 else year
            return f"{year}Q{m.group('q')}"
    raise ConfigError(
        f"quarter {label!r} is not a fiscal quarter label; write it as {ACCEPTED_FORMS}"
    )


@dataclass(frozen=True)
class FiscalCalendar:
    """A fiscal calendar whose year starts on the first day of ``start_month``.

    Parameters
    ----------
    start_month
        First month of the fiscal year, 1 (January) to 12.

    Examples
    --------
    >>> cal = FiscalCalendar(start_month=2)
    >>> cal.quarter_of("2026-02-01")
    '2027Q1'
    >>> cal.bounds("2027Q1")
    (Timestamp('2026-02-01 00:00:00'), Timestamp('2026-04-30 00:00:00'))
    """

    start_month: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.start_month, int | np.integer) or not 1 <= self.start_month <= 12:
            raise ConfigError(
                f"fiscal start_month must be a whole number from 1 to 12, got {self.start_month!r}"
            )

    @property
    def freq(self) -> str:
        """The pandas quarterly frequency, e.g. ``Q-DEC`` for a January start."""
        end_month = (self.start_month - 2) % 12  # index of the month that ends the year
        return f"Q-{_MONTH_ABBR[end_month]}"

    def period(self, quarter: str | pd.Period) -> pd.Period:
        """The pandas Period for a label such as ``2026Q3``.

        Parameters
        ----------
        quarter
            A label in any form :func:`parse_quarter` reads (``2026Q3``, ``2026-Q3``,
            ``Q3 2026``, ``FY2026Q3``) or a quarterly Period, re-expressed in this calendar's
            frequency if it has another.

        Returns
        -------
        pandas.Period
            Of frequency :attr:`freq`.

        Raises
        ------
        ConfigError
            If the label is not a fiscal quarter label.

        Examples
        --------
        >>> FiscalCalendar(2).period("2027-q1").start_time
        Timestamp('2026-02-01 00:00:00')
        """
        if isinstance(quarter, pd.Period):
            return (
                pd.Period(quarter.strftime("%FQ%q"), freq=self.freq)
                if quarter.freqstr != self.freq
                else quarter
            )
        return pd.Period(parse_quarter(quarter), freq=self.freq)

    def normalize(self, quarter: str | pd.Period) -> str:
        """The one written form (``2026Q3``) of a quarter label or Period.

        Parameters
        ----------
        quarter
            A label in any form :func:`parse_quarter` reads, or a quarterly Period.

        Returns
        -------
        str

        Raises
        ------
        ConfigError
            If the label is not a fiscal quarter label (the message lists the forms read).

        Examples
        --------
        >>> FiscalCalendar(2).normalize("Q1 FY2027")
        '2027Q1'
        """
        return self.label(self.period(quarter))

    def label(self, period: pd.Period) -> str:
        """The label (``2026Q3``) of a fiscal-quarter Period.

        Parameters
        ----------
        period
            A Period of this calendar's frequency.

        Returns
        -------
        str
        """
        return f"{period.qyear}Q{period.quarter}"

    def bounds(self, quarter: str | pd.Period) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last day (midnight timestamps) of a fiscal quarter.

        Parameters
        ----------
        quarter
            A label or Period, as for :meth:`period`.

        Returns
        -------
        (pandas.Timestamp, pandas.Timestamp)
            Both at midnight: the last day is included in the quarter.

        Raises
        ------
        ConfigError
            If a label is not a fiscal quarter label (:meth:`period`).
        """
        p = self.period(quarter)
        return p.start_time.normalize(), p.end_time.normalize()

    def quarter_of(self, date: object) -> str:
        """Label of the fiscal quarter containing ``date``.

        Parameters
        ----------
        date
            Anything :class:`pandas.Timestamp` reads.

        Returns
        -------
        str

        Examples
        --------
        >>> FiscalCalendar(2).quarter_of("2026-01-31")
        '2026Q4'
        """
        ts = pd.Timestamp(date)
        return self.label(ts.to_period(self.freq))

    def quarters_of(self, dates: pd.Series) -> pd.Series:
        """Labels of the fiscal quarters of a date Series.

        Parameters
        ----------
        dates
            Dates (``datetime64``).

        Returns
        -------
        pandas.Series
            Text labels on ``dates``' index; missing where the date is.
        """
        dates = pd.Series(dates)
        codes, days = pd.factorize(dates)  # label each distinct day once, not every row
        periods = pd.Series(days).dt.to_period(self.freq)
        labels = (
            periods.dt.qyear.astype("Int64").astype("str")
            + "Q"
            + periods.dt.quarter.astype("Int64").astype("str")
        ).to_numpy(dtype=object)
        out = np.where(codes >= 0, labels[np.maximum(codes, 0)] if len(labels) else None, None)
        return pd.Series(out, index=dates.index, dtype="str")

    def shift(self, quarter: str, n: int) -> str:
        """The quarter ``n`` quarters after ``quarter`` (negative: before).

        Parameters
        ----------
        quarter
            A label.
        n
            Quarters to move.

        Returns
        -------
        str

        Raises
        ------
        ConfigError
            If a label is not a fiscal quarter label (:meth:`period`).

        Examples
        --------
        >>> FiscalCalendar().shift("2026Q1", -1)
        '2025Q4'
        """
        return self.label(self.period(quarter) + n)

    def quarter_range(self, first: str, last: str) -> list[str]:
        """All quarter labels from ``first`` to ``last`` inclusive.

        Parameters
        ----------
        first, last
            Labels; ``last`` before ``first`` gives an empty list.

        Returns
        -------
        list of str

        Raises
        ------
        ConfigError
            If a label is not a fiscal quarter label (:meth:`period`).
        """
        a, b = self.period(first), self.period(last)
        return [self.label(p) for p in pd.period_range(a, b, freq=self.freq)]

    def fiscal_year(self, quarter: str) -> int:
        """Fiscal year of a quarter label.

        Parameters
        ----------
        quarter
            A label.

        Returns
        -------
        int

        Raises
        ------
        ConfigError
            If a label is not a fiscal quarter label (:meth:`period`).
        """
        return int(self.period(quarter).qyear)

    def day_of_quarter(self, dates: pd.Series | pd.Timestamp) -> pd.Series | int:
        """Days since the start of the date's quarter (0 on the first day).

        Parameters
        ----------
        dates
            One date, or a Series of dates.

        Returns
        -------
        int or pandas.Series
            An int for one date, a Series for a Series.
        """
        if isinstance(dates, pd.Series):
            starts = dates.dt.to_period(self.freq).dt.start_time
            return (dates - starts).dt.days
        ts = pd.Timestamp(dates)
        return int((ts - ts.to_period(self.freq).start_time).days)

    def week_of_quarter(self, date: object) -> int:
        """Whole weeks elapsed since the quarter began: 0 in its first seven days.

        Parameters
        ----------
        date
            Anything :class:`pandas.Timestamp` reads.

        Returns
        -------
        int
        """
        return int(self.day_of_quarter(pd.Timestamp(date))) // 7

    def date_in_quarter(self, quarter: str, week: int) -> pd.Timestamp:
        """The date ``week`` whole weeks after the quarter's first day, capped at its last day.

        Parameters
        ----------
        quarter
            A label.
        week
            Whole weeks after the first day (0: the first day).

        Returns
        -------
        pandas.Timestamp
        """
        start, end = self.bounds(quarter)
        return min(start + pd.Timedelta(days=7 * int(week)), end)

    def latest_complete_quarter(self, last_date: object) -> str:
        """The latest quarter that ended on or before ``last_date``.

        Parameters
        ----------
        last_date
            The last day with data. A quarter counts as complete when its last day is
            not after it (the time of day is ignored).

        Returns
        -------
        str

        Examples
        --------
        >>> cal = FiscalCalendar()
        >>> cal.latest_complete_quarter("2026-03-31"), cal.latest_complete_quarter("2026-03-30")
        ('2026Q1', '2025Q4')
        """
        ts = pd.Timestamp(last_date).normalize()
        p = ts.to_period(self.freq)
        if p.end_time.normalize() <= ts:
            return self.label(p)
        return self.label(p - 1)
