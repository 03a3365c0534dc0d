"""Spread of proposed quotas against the quotas AdventureWorks set (calendar 2013).

AdventureWorks (Microsoft's sample company, MIT) keeps each sales rep's quarterly quota.
For the 14 sales representatives with a 2013 quota this script spreads the same company
total with the workbench's allocation (:func:`salesops_lib.quota.allocate_cents` and
:func:`~salesops_lib.quota.ramp_matrix`, default ramp for the two reps hired in May 2013)
using what the sample holds per rep:

- even: every rep the same;
- potential: the annual sales of the rep's stores (``store.csv``: AnnualSales);
- historical: ``SalesLastYear`` (the only per-rep sales figure in the sample, so a proxy);
- blend: 40% historical, 30% capacity (one role: equal), 20% potential, 10% even.

It prints, for AdventureWorks and each method: the coefficient of variation of annual
quotas, the ratio of the 90th to the 10th percentile, the largest over the smallest
non-zero quota, and the Spearman rank correlation with AdventureWorks' quotas.

Run: ``python benchmarks/quota_spread.py``
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from salesops_lib.analysis.quota import DEFAULT_BLEND, allocate_cents, ramp_matrix

AW = Path(__file__).resolve().parents[1] / "data" / "examples" / "adventureworks_sales_quota"


def compare(year: int = 2013) -> pd.DataFrame:
    """Annual quotas per rep: AdventureWorks' and each method's, for the same total."""
    staff = pd.read_csv(AW / "sales_staff_employee.csv", parse_dates=["HireDate"])
    reps = staff[staff["JobTitle"] == "Sales Representative"].set_index("BusinessEntityID")
    hist = pd.read_csv(AW / "sales_person_quota_history.csv", parse_dates=["QuotaDate"])
    hist = hist[(hist["QuotaDate"].dt.year == year) & hist["BusinessEntityID"].isin(reps.index)]
    aw = hist.groupby("BusinessEntityID")["SalesQuota"].sum()
    reps = reps.loc[aw.index]
    person = pd.read_csv(AW / "sales_person.csv").set_index("BusinessEntityID")
    stores = pd.read_csv(AW / "store.csv")
    potential = stores.groupby("SalesPersonID")["AnnualSales"].sum().reindex(aw.index).fillna(0.0)
    historical = person["SalesLastYear"].reindex(aw.index).fillna(0.0)
    even = pd.Series(1.0, index=aw.index)
    shares = {
        "even": even / even.sum(),
        "potential": potential / potential.sum(),
        "historical": historical / historical.sum() if historical.sum() > 0 else even / even.sum(),
        "capacity": even / even.sum(),
    }
    shares["blend"] = sum(shares[k] * w for k, w in DEFAULT_BLEND.items())
    months = pd.period_range(f"{year}-01", f"{year}-12", freq="M")
    ramps = ramp_matrix(reps["HireDate"], months)
    out = pd.DataFrame({"AdventureWorks": aw.astype(float)})
    total = float(aw.sum())
    for name in ("even", "potential", "historical", "blend"):
        weights = shares[name].to_numpy()[:, None] * ramps / 12
        out[name] = allocate_cents(total, weights).sum(axis=1) / 100
    return out


def spread(table: pd.DataFrame) -> pd.DataFrame:
    """Spread figures per column of :func:`compare`'s table."""
    rows = {}
    for col in table.columns:
        v = table[col].to_numpy()
        nz = v[v > 0]
        rows[col] = {
            "total": v.sum(),
            "cv": v.std(ddof=0) / v.mean(),
            "p90_p10": np.quantile(v, 0.9) / np.quantile(v, 0.1)
            if np.quantile(v, 0.1) > 0
            else np.inf,
            "max_min": nz.max() / nz.min(),
            "spearman_vs_aw": stats.spearmanr(v, table["AdventureWorks"]).statistic,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def main() -> None:
    table = compare()
    print(
        f"AdventureWorks 2013: {len(table)} sales representatives, company quota {table['AdventureWorks'].sum():,.0f}"
    )
    print(table.round(0).to_string())
    print()
    print(spread(table).round(3).to_string())


if __name__ == "__main__":
    main()
