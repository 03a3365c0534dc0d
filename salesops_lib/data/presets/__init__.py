"""Column-mapping presets for CRM exports.

A preset tells the loader, for one CRM product, which file holds which canonical table,
which export column feeds which canonical column (first label present wins; one export
column may feed several canonical columns), the product's stages in order with their
closed/won meaning, and any repair the export needs (:mod:`salesops_lib.presets.maven_crm`).
Users add their own mapping in ``salesops.toml`` instead of editing an export by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from salesops_lib.errors import ConfigError


@dataclass(frozen=True)
class Stage:
    """A sales stage in the configured order.

    Parameters
    ----------
    name
        Stage label as the CRM shows it.
    closed, won
        What reaching the stage means.
    probability
        Default chance to win in this stage (0-1), when known.
    """

    name: str
    closed: bool = False
    won: bool = False
    probability: float | None = None


Transform = Callable[[dict[str, pd.DataFrame]], tuple[dict[str, pd.DataFrame], list[dict]]]


@dataclass(frozen=True)
class Preset:
    """How one CRM product's export maps onto the canonical tables.

    Parameters
    ----------
    name
        The name ``load_dataset(preset=...)`` takes.
    files
        Canonical table -> the file stems (lower case, no suffix) that may hold it, in order.
    columns
        Canonical table -> canonical column -> the export's labels for it, first present wins.
    stages
        The product's default stages in order, with their closed/won meaning.
    probability_percent
        The export writes probabilities as percentages (True), fractions (False), or
        either (None: percentages if any value exceeds 1).
    transform
        A repair run on the mapped tables: takes and returns the tables by name, plus
        warnings (dicts with ``table, column, ids, message``).
    description
        One line on what the preset reads.
    """

    name: str
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)
    columns: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    stages: tuple[Stage, ...] = ()
    probability_percent: bool | None = None
    transform: Transform | None = None
    description: str = ""


SALESFORCE_STAGES = (
    Stage("Prospecting", probability=0.10),
    Stage("Qualification", probability=0.10),
    Stage("Needs Analysis", probability=0.20),
    Stage("Value Proposition", probability=0.50),
    Stage("Id. Decision Makers", probability=0.60),
    Stage("Perception Analysis", probability=0.70),
    Stage("Proposal/Price Quote", probability=0.75),
    Stage("Negotiation/Review", probability=0.90),
    Stage("Closed Won", closed=True, won=True, probability=1.0),
    Stage("Closed Lost", closed=True, won=False, probability=0.0),
)

SALESFORCE = Preset(
    name="salesforce",
    description="Salesforce Opportunity, User and Account exports (standard API field names).",
    files={
        "opportunities": ("opportunity", "opportunities", "opportunity_export", "extract"),
        "reps": ("user", "users"),
        "accounts": ("account", "accounts"),
        "history": ("opportunityhistory", "opportunity_history", "opportunityfieldhistory"),
    },
    columns={
        "opportunities": {
            "opp_id": ("Id", "Opportunity ID", "Opportunity.Id"),
            "opp_name": ("Name", "Opportunity Name"),
            "account_id": ("AccountId", "Account.Name", "Account Name"),
            "account_name": ("Account.Name", "Account Name"),
            "rep_id": ("OwnerId", "Owner.Name", "Opportunity Owner"),
            "rep_name": ("Owner.Name", "Opportunity Owner"),
            "stage": ("StageName", "Stage"),
            "amount": ("Amount",),
            "close_date": ("CloseDate", "Close Date"),
            "created_date": ("CreatedDate", "Created Date"),
            "is_closed": ("IsClosed", "Closed"),
            "is_won": ("IsWon", "Won"),
            "probability": ("Probability", "Probability (%)"),
            "forecast_category": ("ForecastCategoryName", "ForecastCategory", "Forecast Category"),
            "lead_source": ("LeadSource", "Lead Source"),
            "opp_type": ("Type",),
        },
        "reps": {
            "rep_id": ("Id",),
            "rep_name": ("Name",),
            "manager": ("Manager.Name", "ManagerId"),
            "team": ("Department", "UserRole.Name"),
            "region": ("Division",),
            "role": ("Title", "UserRole.Name"),
        },
        "accounts": {
            "account_id": ("Id",),
            "account_name": ("Name",),
            "industry": ("Industry",),
            "employees": ("NumberOfEmployees",),
            "annual_revenue": ("AnnualRevenue",),
            "region": ("BillingCountry", "BillingState"),
        },
        "history": {
            "opp_id": ("OpportunityId",),
            "snapshot_date": ("CreatedDate",),
            "stage": ("StageName",),
            "amount": ("Amount",),
            "close_date": ("CloseDate",),
            "forecast_category": ("ForecastCategory",),
        },
    },
    stages=SALESFORCE_STAGES,
    probability_percent=True,
)

HUBSPOT = Preset(
    name="hubspot",
    description="HubSpot deals export (column labels as HubSpot writes them).",
    files={"opportunities": ("deals", "all-deals", "hubspot-crm-exports-all-deals")},
    columns={
        "opportunities": {
            "opp_id": ("Record ID", "Deal ID"),
            "opp_name": ("Deal Name",),
            "stage": ("Deal Stage",),
            "pipeline": ("Pipeline",),
            "amount": ("Amount", "Amount in company currency"),
            "close_date": ("Close Date",),
            "created_date": ("Create Date",),
            "rep_id": ("Deal owner", "Deal Owner"),
            "rep_name": ("Deal owner", "Deal Owner"),
            "account_id": ("Associated Company", "Associated Company (Primary)"),
            "account_name": ("Associated Company", "Associated Company (Primary)"),
            "forecast_category": ("Forecast category", "Forecast Category"),
            "probability": ("Deal probability", "Deal Probability"),
            "lead_source": ("Original Source Type", "Original Source"),
            "opp_type": ("Deal Type",),
        }
    },
    stages=(
        Stage("Appointment Scheduled", probability=0.20),
        Stage("Qualified To Buy", probability=0.40),
        Stage("Presentation Scheduled", probability=0.60),
        Stage("Decision Maker Bought-In", probability=0.80),
        Stage("Contract Sent", probability=0.90),
        Stage("Closed Won", closed=True, won=True, probability=1.0),
        Stage("Closed Lost", closed=True, won=False, probability=0.0),
    ),
    probability_percent=None,
)


def _maven() -> Preset:
    from .maven_crm import MAVEN_CRM

    return MAVEN_CRM


def get_preset(name: str | None) -> Preset | None:
    """The preset called ``name`` (``maven_crm``, ``salesforce``, ``hubspot``), or None.

    Parameters
    ----------
    name
        Any case; ``-`` for ``_`` and ``maven`` for ``maven_crm`` accepted. None gives None.

    Returns
    -------
    Preset or None

    Raises
    ------
    ConfigError
        If no preset has that name.
    """
    if name is None:
        return None
    key = str(name).strip().lower().replace("-", "_")
    presets = {"salesforce": SALESFORCE, "hubspot": HUBSPOT}
    if key in ("maven_crm", "maven"):
        return _maven()
    if key not in presets:
        raise ConfigError(
            f"unknown preset {name!r}; choose one of maven_crm, salesforce, hubspot, "
            "or map your columns in salesops.toml"
        )
    return presets[key]


def stages_from_config(items: list[dict]) -> tuple[Stage, ...]:
    """Stages from the config's ``[[stages]]`` list.

    Parameters
    ----------
    items
        The list as read from TOML: each a table with ``name`` and optional ``closed``,
        ``won`` (booleans, default false) and ``probability``.

    Returns
    -------
    tuple of Stage
        In the list's order, names trimmed.

    Raises
    ------
    ConfigError
        If an entry has no name, a closed/won flag is not true/false, or a stage is won
        but not closed.

    Examples
    --------
    >>> stages = stages_from_config([{"name": " Demo "}, {"name": "Won", "closed": True, "won": True}])
    >>> [(s.name, s.closed, s.won) for s in stages]
    [('Demo', False, False), ('Won', True, True)]
    """
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise ConfigError(f"[[stages]] entry {i + 1} needs a name")
        closed, won = item.get("closed", False), item.get("won", False)
        if not isinstance(closed, bool) or not isinstance(won, bool):
            raise ConfigError(f"stage {item['name']!r}: closed and won must be true or false")
        if won and not closed:
            raise ConfigError(f"stage {item['name']!r} is won but not closed; set closed = true")
        prob = item.get("probability")
        out.append(
            Stage(str(item["name"]).strip(), closed, won, None if prob is None else float(prob))
        )
    return tuple(out)
