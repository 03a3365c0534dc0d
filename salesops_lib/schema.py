"""The canonical tables and columns of the workbench, named once.

Every other module refers to a column through this module's constants or through
:data:`TABLES`, so a rename happens in one place.

Column kinds
------------
``id``      text identifier (never parsed as a number: ``"007"`` stays ``"007"``)
``text``    free text typed by people (untrusted: escape before showing)
``label``   text from a short fixed list (stage, forecast category), stored as a pandas
            categorical with sorted categories: one byte per row in tables of millions
``date``    calendar date, stored as ``datetime64[ns]`` at midnight, no time zone
``money``   float amount in the data set's single currency
``number``  float
``bool``    boolean (``true/false/1/0/yes/no`` accepted on input)
``prob``    probability 0-1 (percent inputs are scaled)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One canonical column.

    Parameters
    ----------
    name
        snake_case column name.
    kind
        One of ``id, text, label, date, money, number, bool, prob``.
    required
        The column must be present in the source (after mapping).
    nullable
        Blank cells are allowed.
    description
        What the column means, in a sales-ops manager's words.
    """

    name: str
    kind: str
    required: bool = False
    nullable: bool = True
    description: str = ""


@dataclass(frozen=True)
class Table:
    """One canonical table: its name, key and columns."""

    name: str
    key: str | None
    required: bool
    columns: tuple[Column, ...]
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        """Names of all columns in canonical order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The column called ``name``.

        Parameters
        ----------
        name
            A canonical column name of this table, e.g. ``close_date``.

        Returns
        -------
        Column

        Raises
        ------
        KeyError
            When the table has no such column.

        Examples
        --------
        >>> OPPORTUNITIES.column("amount").kind
        'money'
        """
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


REPS = Table(
    "reps",
    key="rep_id",
    required=True,
    description="One row per sales rep (current and departed).",
    columns=(
        Column("rep_id", "id", required=True, nullable=False, description="Unique rep id."),
        Column("rep_name", "text", description="Rep's name as typed in the CRM."),
        Column("manager", "text", description="The rep's first-line manager."),
        Column("team", "text", description="Sales team."),
        Column("region", "text", description="Sales region."),
        Column("role", "text", description="Job role, e.g. 'Enterprise AE'."),
        Column("segment", "text", description="Customer segment the rep sells to."),
        Column("hire_date", "date", description="Start date in the sales role."),
        Column("end_date", "date", description="Leaving date; blank while employed."),
        Column("territory", "text", description="Territory the rep covers."),
    ),
)

OPPORTUNITIES = Table(
    "opportunities",
    key="opp_id",
    required=True,
    description="One row per opportunity (deal), as the CRM shows it today.",
    columns=(
        Column("opp_id", "id", required=True, nullable=False, description="Unique deal id."),
        Column(
            "opp_name",
            "text",
            description="The deal's name as typed in the CRM (shown in every deal table).",
        ),
        Column("account_id", "id", description="The customer account."),
        Column("rep_id", "id", required=True, nullable=False, description="Deal owner."),
        Column("product", "text", description="Product sold."),
        Column("stage", "text", required=True, nullable=False, description="Sales stage."),
        Column("amount", "money", required=True, description="Deal value."),
        Column("created_date", "date", required=True, description="Date the deal was created."),
        Column(
            "close_date",
            "date",
            required=True,
            description="Close date; for open deals, the expected close date.",
        ),
        Column("is_closed", "bool", description="Deal is closed (won or lost)."),
        Column("is_won", "bool", description="Deal is closed won."),
        Column(
            "forecast_category",
            "text",
            description="Pipeline / Best Case / Commit / Closed / Omitted.",
        ),
        Column("probability", "prob", description="Chance to win, 0-1, as the CRM says."),
        Column("lead_source", "text", description="Where the deal came from."),
        Column(
            "reassigned_date",
            "date",
            description="Date the current owner received the deal; blank when always theirs.",
        ),
        Column(
            "previous_rep_id",
            "id",
            description=(
                "Who owned the deal before the current owner received it (on reassigned_date);"
                " blank when always theirs."
            ),
        ),
    ),
)

ACCOUNTS = Table(
    "accounts",
    key="account_id",
    required=False,
    description="One row per customer account.",
    columns=(
        Column("account_id", "id", required=True, nullable=False),
        Column("account_name", "text"),
        Column("industry", "text"),
        Column("segment", "text"),
        Column("region", "text"),
        Column("employees", "number"),
        Column("annual_revenue", "money"),
        Column("territory", "text"),
    ),
)

HISTORY = Table(
    "history",
    key=None,
    required=False,
    description="Snapshots of each open deal as the CRM showed it on each snapshot date.",
    columns=(
        Column("snapshot_date", "date", required=True, nullable=False),
        Column("opp_id", "id", required=True, nullable=False),
        Column("stage", "label", required=True),
        Column("amount", "money"),
        Column("close_date", "date"),
        Column("forecast_category", "label"),
        Column("is_closed", "bool"),
        Column("is_won", "bool"),
        Column(
            "rep_id",
            "label",
            description=(
                "The deal's owner on the snapshot date (kept as a label: few reps, many rows);"
                " blank when the snapshots do not say."
            ),
        ),
    ),
)

QUOTAS = Table(
    "quotas",
    key=None,
    required=False,
    description="Quota per rep and fiscal quarter.",
    columns=(
        Column("rep_id", "id", required=True, nullable=False),
        Column("period", "text", required=True, nullable=False, description="e.g. 2026Q3"),
        Column("quota", "money", required=True, nullable=False),
    ),
)

ACTIVITIES = Table(
    "activities",
    key="activity_id",
    required=False,
    description="Sales activities (calls, emails, meetings).",
    columns=(
        Column("activity_id", "id", required=True, nullable=False),
        Column("rep_id", "id", required=True, nullable=False),
        Column("opp_id", "id"),
        Column("activity_date", "date", required=True, nullable=False),
        Column("activity_type", "text"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (REPS, OPPORTUNITIES, ACCOUNTS, HISTORY, QUOTAS, ACTIVITIES)
}
"""All canonical tables by name, in load order."""

TABLE_FILE_ALIASES: dict[str, tuple[str, ...]] = {
    "reps": ("reps", "rep", "users", "user", "owners", "sales_reps"),
    "opportunities": ("opportunities", "opportunity", "opps", "deals", "deal"),
    "accounts": ("accounts", "account", "companies", "company"),
    "history": ("history", "opportunity_history", "opportunityhistory", "snapshots"),
    "quotas": ("quotas", "quota"),
    "activities": ("activities", "activity", "tasks", "events"),
}
"""File stems (case-insensitive) recognised for each table in a folder source."""

FORECAST_CATEGORIES = ("Pipeline", "Best Case", "Commit", "Closed", "Omitted")
"""Canonical forecast categories, from least to most certain (then closed/omitted)."""

WARNINGS_COLUMNS = ["table", "column", "ids", "message"]
"""Columns of :attr:`SalesData.warnings`."""
