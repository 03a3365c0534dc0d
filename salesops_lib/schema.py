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
    used_by
        The reports that read it (``"01 02"``, ``"all"``); blank when none does (it rides
        along and is kept).
    """

    name: str
    kind: str
    required: bool = False
    nullable: bool = True
    description: str = ""
    used_by: str = ""


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
        Column(
            "rep_id",
            "id",
            required=True,
            nullable=False,
            description="Unique rep id.",
            used_by="all",
        ),
        Column("rep_name", "text", description="Rep's name as typed in the CRM.", used_by="all"),
        Column("manager", "text", description="The rep's first-line manager.", used_by="01 02 07"),
        Column("team", "text", description="Sales team.", used_by="all"),
        Column("region", "text", description="Sales region.", used_by="01 04"),
        Column("role", "text", description="Job role, e.g. 'Enterprise AE'.", used_by="02 04 05"),
        Column(
            "segment", "text", description="Customer segment the rep sells to.", used_by="02 04 06"
        ),
        Column(
            "hire_date", "date", description="Start date in the sales role.", used_by="02 04 05"
        ),
        Column(
            "end_date",
            "date",
            description="Leaving date; blank while employed.",
            used_by="02 04 05",
        ),
        Column("territory", "text", description="Territory the rep covers.", used_by="04"),
    ),
)

OPPORTUNITIES = Table(
    "opportunities",
    key="opp_id",
    required=True,
    description="One row per opportunity (deal), as the CRM shows it today.",
    columns=(
        Column(
            "opp_id",
            "id",
            required=True,
            nullable=False,
            description="Unique deal id.",
            used_by="all",
        ),
        Column(
            "opp_name",
            "text",
            description="The deal's name as typed in the CRM (shown in every deal table).",
            used_by="all",
        ),
        Column("account_id", "id", description="The customer account.", used_by="04 07"),
        Column(
            "rep_id", "id", required=True, nullable=False, description="Deal owner.", used_by="all"
        ),
        Column("product", "text", description="Product sold.", used_by="05 07"),
        Column(
            "stage",
            "text",
            required=True,
            nullable=False,
            description="Sales stage.",
            used_by="02 03 06 07",
        ),
        Column("amount", "money", required=True, description="Deal value.", used_by="all"),
        Column(
            "created_date",
            "date",
            required=True,
            description="Date the deal was created.",
            used_by="all",
        ),
        Column(
            "close_date",
            "date",
            required=True,
            description="Close date; for open deals, the expected close date.",
            used_by="all",
        ),
        Column("is_closed", "bool", description="Deal is closed (won or lost).", used_by="all"),
        Column("is_won", "bool", description="Deal is closed won.", used_by="all"),
        Column(
            "forecast_category",
            "text",
            description="Pipeline / Best Case / Commit / Closed / Omitted.",
            used_by="03 07",
        ),
        Column(
            "probability", "prob", description="Chance to win, 0-1, as the CRM says.", used_by="07"
        ),
        Column("lead_source", "text", description="Where the deal came from.", used_by=""),
        Column(
            "reassigned_date",
            "date",
            description="Date the current owner received the deal; blank when always theirs.",
            used_by="02 04 07",
        ),
        Column(
            "previous_rep_id",
            "id",
            description=(
                "Who owned the deal before the current owner received it (on reassigned_date);"
                " blank when always theirs."
            ),
            used_by="01 07",
        ),
    ),
)

ACCOUNTS = Table(
    "accounts",
    key="account_id",
    required=False,
    description="One row per customer account.",
    columns=(
        Column(
            "account_id",
            "id",
            required=True,
            nullable=False,
            description="Unique account id (the deals' account_id).",
            used_by="04 07",
        ),
        Column(
            "account_name",
            "text",
            description="The account's name, shown in every deal table.",
            used_by="all",
        ),
        Column("industry", "text", description="Industry.", used_by=""),
        Column(
            "segment",
            "text",
            description="Customer segment (e.g. SMB, Mid-Market, Enterprise).",
            used_by="02 04 06",
        ),
        Column("region", "text", description="Region the account is in.", used_by="01 04"),
        Column(
            "employees",
            "number",
            description="Head count: the account's size when annual revenue is blank.",
            used_by="04",
        ),
        Column(
            "annual_revenue",
            "money",
            description="Annual revenue: the account's size for territory potential.",
            used_by="04",
        ),
        Column("territory", "text", description="Territory the account belongs to.", used_by="04"),
    ),
)

HISTORY = Table(
    "history",
    key=None,
    required=False,
    description="Snapshots of each open deal as the CRM showed it on each snapshot date.",
    columns=(
        Column(
            "snapshot_date",
            "date",
            required=True,
            nullable=False,
            description="The day of the snapshot (for a change log: the day of the change).",
            used_by="01 03 06 07",
        ),
        Column(
            "opp_id",
            "id",
            required=True,
            nullable=False,
            description="The deal.",
            used_by="01 03 06 07",
        ),
        Column(
            "stage", "label", required=True, description="Its stage that day.", used_by="03 06 07"
        ),
        Column("amount", "money", description="Its amount that day.", used_by="01 03 06 07"),
        Column(
            "close_date",
            "date",
            description="Its expected close date that day.",
            used_by="01 03 06 07",
        ),
        Column(
            "forecast_category",
            "label",
            description="Its forecast category that day.",
            used_by="03 07",
        ),
        Column(
            "is_closed",
            "bool",
            description="Closed that day (from the stage when absent).",
            used_by="01 03 06 07",
        ),
        Column(
            "is_won",
            "bool",
            description="Won that day (from the stage when absent).",
            used_by="01 03 06 07",
        ),
        Column(
            "rep_id",
            "label",
            description=(
                "The deal's owner on the snapshot date (kept as a label: few reps, many rows);"
                " blank when the snapshots do not say."
            ),
            used_by="01 02 03 07",
        ),
    ),
)

QUOTAS = Table(
    "quotas",
    key=None,
    required=False,
    description="Quota per rep and fiscal quarter.",
    columns=(
        Column(
            "rep_id",
            "id",
            required=True,
            nullable=False,
            description="The rep.",
            used_by="01 02 03 04 05",
        ),
        Column(
            "period",
            "text",
            required=True,
            nullable=False,
            description="e.g. 2026Q3",
            used_by="01 02 03 04 05",
        ),
        Column(
            "quota",
            "money",
            required=True,
            nullable=False,
            description="Bookings target of the rep for that quarter.",
            used_by="01 02 03 04 05",
        ),
    ),
)

ACTIVITIES = Table(
    "activities",
    key="activity_id",
    required=False,
    description="Sales activities (calls, emails, meetings).",
    columns=(
        Column(
            "activity_id",
            "id",
            required=True,
            nullable=False,
            description="Unique activity id.",
            used_by="02",
        ),
        Column(
            "rep_id",
            "id",
            required=True,
            nullable=False,
            description="Who did it.",
            used_by="02 04",
        ),
        Column("opp_id", "id", description="The deal it was for, if any.", used_by=""),
        Column(
            "activity_date",
            "date",
            required=True,
            nullable=False,
            description="When it was done.",
            used_by="02 04",
        ),
        Column("activity_type", "text", description="Call, email, meeting, ...", used_by=""),
    ),
)

OWNER_CHANGES = Table(
    "owner_changes",
    key=None,
    required=False,
    description=(
        "Every change of a deal's owner, one row per change (Salesforce's"
        " OpportunityFieldHistory Owner rows, or a file of your own). A deal's last change"
        " gives its previous_rep_id and reassigned_date when the opportunities lack them."
    ),
    columns=(
        Column(
            "opp_id",
            "id",
            required=True,
            description="The deal whose owner changed (a change of no known deal is not used).",
            used_by="01 02 05 07",
        ),
        Column(
            "changed_date",
            "date",
            required=True,
            description="The day the owner changed (changes of one day keep the file's order).",
            used_by="01 02 05 07",
        ),
        Column(
            "previous_rep_id",
            "id",
            description="The owner before the change.",
            used_by="01 02 05 07",
        ),
        Column(
            "rep_id",
            "id",
            required=True,
            description="The owner from the change on.",
            used_by="01 02 05 07",
        ),
    ),
)

ENABLEMENT = Table(
    "enablement",
    key=None,
    required=False,
    description=(
        "Training completed by reps, one row per rep and programme (an LMS export of course"
        " completions, mapped through the config like any other table)."
    ),
    columns=(
        Column(
            "rep_id",
            "id",
            required=True,
            nullable=False,
            description="The rep who completed the programme.",
            used_by="11",
        ),
        Column(
            "program",
            "text",
            required=True,
            nullable=False,
            description="The programme or course, e.g. Value Selling.",
            used_by="11",
        ),
        Column(
            "completed_date",
            "date",
            required=True,
            nullable=False,
            description="The day the rep completed it (a rep's first completion is used).",
            used_by="11",
        ),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (REPS, OPPORTUNITIES, ACCOUNTS, HISTORY, QUOTAS, ACTIVITIES, OWNER_CHANGES, ENABLEMENT)
}
"""All canonical tables by name, in load order."""

TABLE_FILE_ALIASES: dict[str, tuple[str, ...]] = {
    "reps": ("reps", "rep", "users", "user", "owners", "sales_reps"),
    "opportunities": ("opportunities", "opportunity", "opps", "deals", "deal"),
    "accounts": ("accounts", "account", "companies", "company"),
    "history": ("history", "opportunity_history", "opportunityhistory", "snapshots"),
    "quotas": ("quotas", "quota"),
    "activities": ("activities", "activity", "tasks", "events"),
    "owner_changes": ("owner_changes", "owner_history", "ownerchanges"),
    "enablement": ("enablement", "training", "course_completions", "completions"),
}
"""File stems (case-insensitive) recognised for each table in a folder source."""

FORECAST_CATEGORIES = ("Pipeline", "Best Case", "Commit", "Closed", "Omitted")
"""Canonical forecast categories, from least to most certain (then closed/omitted)."""

WARNINGS_COLUMNS = ["table", "column", "ids", "message"]
"""Columns of :attr:`SalesData.warnings`."""

KIND_LABELS = {
    "id": "id (text)",
    "text": "text",
    "label": "text (from a short list)",
    "date": "date",
    "money": "money",
    "number": "number",
    "bool": "true/false",
    "prob": "probability 0-1 (or %)",
}
"""How :func:`schema_markdown` names each column kind."""


def schema_markdown(tables: dict[str, Table] | None = None) -> str:
    """Every canonical table and column as Markdown: type, required, meaning, reports using it.

    The README's "Canonical tables and columns" section and ``salesops schema`` print this
    text, so neither can drift from the schema.

    Parameters
    ----------
    tables
        The tables to describe (default :data:`TABLES`).

    Returns
    -------
    str
        One heading line and one table per canonical table, ending with a newline.

    Examples
    --------
    >>> print(schema_markdown({"quotas": QUOTAS}).splitlines()[0])
    **`quotas`** (optional table; file `quotas.csv`): Quota per rep and fiscal quarter.
    """
    parts = []
    for t in (tables or TABLES).values():
        parts.append(
            f"**`{t.name}`** ({'required' if t.required else 'optional'} table; file "
            f"`{t.name}.csv`): {t.description}" + (f" Key: `{t.key}`." if t.key else "")
        )
        parts.append("")
        parts.append("| column | type | required | meaning | used by reports |")
        parts.append("|---|---|---|---|---|")
        for c in t.columns:
            need = "required" if c.required else "optional"
            if c.required and not c.nullable:
                need += ", never blank"
            parts.append(
                f"| `{c.name}` | {KIND_LABELS[c.kind]} | {need} | {c.description} "
                f"| {c.used_by or '-'} |"
            )
        parts.append("")
    return "\n".join(parts)
