"""The definition of every shared concept, written once and shown by every report that uses it.

Report-specific terms live in their builder; the concepts several reports share (bookings,
open pipeline, past due ...) are defined here so the same word means the same thing on
every page, matching :mod:`salesops_lib.timeline` and :mod:`salesops_lib.analysis.kpis`.
"""

from __future__ import annotations

SHARED: dict[str, str] = {
    "Bookings": "Amount of deals closed won with a close date in the period, up to the as-of date.",
    "Deal credit": (
        "A closed deal counts for the rep who owned it on its close date: a deal reassigned "
        "after it closed still counts for, and pays, the rep who closed it."
    ),
    "Quota": "Sum of the quotas of the reps in scope for the quarter.",
    "Attainment": "Bookings divided by quota.",
    "Gap to quota": "Quota minus bookings, when positive.",
    "Win rate": (
        "Deals won divided by deals won plus lost, by count, among deals closed in the period "
        "up to the as-of date."
    ),
    "Win rate by value": (
        "Amount won divided by amount won plus lost, over deals closed in the last four "
        "complete quarters."
    ),
    "Average deal": "Bookings divided by the number of deals won.",
    "Cycle days": "Mean days from created date to close date of the deals won.",
    "Open pipeline": (
        "Amount of deals open on the as-of date whose expected close date falls in the quarter, "
        "as the CRM showed them then: the latest history snapshot on or before it, and deals "
        "created since as the record shows them; without snapshots, the deals' current close "
        "dates."
    ),
    "Open deals": (
        "Every deal open on the as-of date, whatever its expected close date (also past due "
        "and later quarters): wider than a quarter's open pipeline."
    ),
    "Next quarter's pipeline": "The open pipeline, as of the as-of date, of the following quarter.",
    "Coverage": "Open pipeline divided by the gap still to book.",
    "Coverage needed": (
        "The pipeline the gap needs, as a multiple of the gap: what the gap leaves after the "
        "bookings deals not yet created usually add (their average over the last four "
        "complete quarters, from the same point of the quarter), divided by the win rate by value."
    ),
    "Pipeline short": "Gap times coverage needed, minus open pipeline, when positive.",
    "Past due": "An open deal whose expected close date is before the as-of date.",
    "Slipped": (
        "A deal in the quarter's open pipeline at its start, or joining it during the quarter, "
        "that left it without closing in the quarter: its close date moved out."
    ),
    "Pushed": "An open deal whose expected close date moved later from one snapshot to the next.",
    "Stale": "An open deal whose stage and amount have not changed for 30 days.",
    "Average miss": (
        "How far forecasts missed, as a share of what closed: the sum of absolute errors "
        "divided by the sum of actual bookings (WAPE, weighted absolute percentage error)."
    ),
    "Bias": "Sum of errors divided by the sum of actual bookings (positive: forecasts too high).",
}


def pick(*terms: str, **own: str) -> dict[str, str]:
    """The definitions a report shows: shared ``terms`` (in order), then its ``own``.

    Parameters
    ----------
    *terms
        Names in :data:`SHARED`.
    **own
        Report-specific terms (keyword: term with underscores for spaces is not needed;
        pass a dict with ``**{"Term": "text"}``).

    Returns
    -------
    dict
        Term -> definition.

    Raises
    ------
    KeyError
        For a shared term that is not defined.
    """
    return {t: SHARED[t] for t in terms} | own
