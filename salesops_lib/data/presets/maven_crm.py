"""Preset for the Maven Analytics CRM Sales Opportunities files as published.

Files: ``sales_pipeline.csv`` (opportunities), ``sales_teams.csv`` (reps),
``accounts.csv`` and ``products.csv``. What the preset does, and why:

- ``engage_date`` is the created date (Maven records no creation date);
- the agent's name is both rep_id and rep_name; ``regional_office`` is the region; the
  manager's name is both manager and team;
- the pipeline says ``GTXPro`` where products.csv says ``GTX Pro``: matched;
- Maven stores no amount for lost or open deals (lost deals show 0): their amount is the
  product's list price (products.sales_price), with a warning, so pipeline and value-based
  win rates can be computed, and a boolean ``amount_filled`` column marks them; won deals
  keep their close_value;
- account revenue is in millions of USD: scaled to USD; segment comes from employees.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import Preset, Stage

PRODUCT_FIXES = {"GTXPro": "GTX Pro"}


def segment_from_employees(employees: pd.Series) -> pd.Series:
    """Segment by head count: under 1,000 SMB, under 5,000 Mid-Market, else Enterprise.

    Parameters
    ----------
    employees
        Head counts (numbers or text; anything else gives no segment).

    Returns
    -------
    pandas.Series
        Text on ``employees``' index; missing where the head count is.

    Examples
    --------
    >>> segment_from_employees(pd.Series([999, 1000, 4999, 5000, None])).tolist()
    ['SMB', 'Mid-Market', 'Mid-Market', 'Enterprise', nan]
    """
    emp = pd.to_numeric(employees, errors="coerce")
    seg = np.select([emp < 1000, emp < 5000, emp >= 5000], ["SMB", "Mid-Market", "Enterprise"], "")
    return pd.Series(seg, index=employees.index, dtype="str").replace("", pd.NA)


def _transform(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    warns: list[dict] = []
    out = dict(tables)
    opps = out.get("opportunities")
    products = out.pop("products", None)
    if opps is not None:
        opps = opps.copy()
        if "product" in opps:
            opps["product"] = opps["product"].replace(PRODUCT_FIXES)
        if products is not None and {"product", "sales_price"} <= set(products.columns):
            price = pd.to_numeric(products["sales_price"], errors="coerce")
            prices = dict(zip(products["product"].astype("str").str.strip(), price, strict=False))
            stage = opps["stage"].astype("str").str.strip().str.lower()
            amount = pd.to_numeric(opps["amount"], errors="coerce")
            needs = (stage != "won") & ((amount.isna()) | (amount == 0))
            list_price = opps["product"].map(prices)
            opps["amount"] = amount.where(~needs, list_price)
            # marks the amounts that are list prices, not values anyone entered (a list price
            # is no evidence that two deals are one: see hygiene.likely_duplicates)
            opps["amount_filled"] = (needs & list_price.notna()).to_numpy(dtype=bool)
            if needs.any():
                warns.append(
                    {
                        "table": "opportunities",
                        "column": "amount",
                        "ids": ", ".join(opps.loc[needs, "opp_id"].astype("str").head(5)),
                        "message": (
                            f"{int(needs.sum()):,} lost or open deals have no amount in Maven's "
                            "export; their product's list price from the products file is used"
                        ),
                    }
                )
        out["opportunities"] = opps
    accts = out.get("accounts")
    if accts is not None:
        accts = accts.copy()
        if "annual_revenue" in accts:
            accts["annual_revenue"] = pd.to_numeric(accts["annual_revenue"], errors="coerce") * 1e6
        if "employees" in accts:
            accts["segment"] = segment_from_employees(accts["employees"])
        out["accounts"] = accts
    return out, warns


MAVEN_CRM = Preset(
    name="maven_crm",
    description="Maven Analytics CRM Sales Opportunities (sales_pipeline, sales_teams, accounts, products).",
    files={
        "opportunities": ("sales_pipeline",),
        "reps": ("sales_teams",),
        "accounts": ("accounts",),
        "products": ("products",),
    },
    columns={
        "opportunities": {
            "opp_id": ("opportunity_id",),
            "rep_id": ("sales_agent",),
            "product": ("product",),
            "account_id": ("account",),
            "stage": ("deal_stage",),
            "created_date": ("engage_date",),
            "close_date": ("close_date",),
            "amount": ("close_value",),
        },
        "reps": {
            "rep_id": ("sales_agent",),
            "rep_name": ("sales_agent",),
            "manager": ("manager",),
            "team": ("manager",),
            "region": ("regional_office",),
        },
        "accounts": {
            "account_id": ("account",),
            "account_name": ("account",),
            "industry": ("sector",),
            "employees": ("employees",),
            "annual_revenue": ("revenue",),
            "region": ("office_location",),
            "parent_account": ("subsidiary_of",),
        },
        "products": {
            "product": ("product",),
            "series": ("series",),
            "sales_price": ("sales_price",),
        },
    },
    stages=(
        Stage("Prospecting", probability=None),
        Stage("Engaging", probability=None),
        Stage("Won", closed=True, won=True, probability=1.0),
        Stage("Lost", closed=True, won=False, probability=0.0),
    ),
    transform=_transform,
)
