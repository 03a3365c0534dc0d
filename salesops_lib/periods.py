"""Fiscal calendars: quarter labels, bounds, week of quarter.

A fiscal year is named by the calendar year in which it **ends** (the common US convention,
and what pandas' ``Q-<month>`` frequencies do). With ``start_month=2`` the fiscal year 2027
runs from 1 February 2026 to 31 January 2027, and ``2027Q1`` is February-April 2026. With
``start_month=1`` fiscal and calendar years coincide.

Quarter labels look like ``2026Q3``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib.errors import ConfigError

_MONTH_ABBR = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_LABEL = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*$")


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
            A label (``2026Q3``; ``2026 q3`` and ``2026-Q3`` are read too) or a quarterly
            Period, re-expressed in this calendar's frequency if it has another.

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
        m = _LABEL.match(str(quarter))
        if not m:
            raise ConfigError(
                f"quarter {quarter!r} is not a fiscal quarter label; write it like '2026Q3'"
            )
        return pd.Period(f"{m.group(1)}Q{m.group(2)}", freq=self.freq)

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
        periods = pd.Series(dates).dt.to_period(self.freq)
        labels = (
            periods.dt.qyear.astype("Int64").astype("str")
            + "Q"
            + periods.dt.quarter.astype("Int64").astype("str")
        )
        return labels.where(periods.notna())

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
