"""Loading, mapping and validation: CRM exports in, validated canonical tables out.

One job per module, in the order a load runs them:

- :mod:`~salesops_lib.data.load`: :func:`load_dataset` and :func:`validate`, the steps of a load;
- :mod:`~salesops_lib.data.sources`: which reader a source needs (folder, CSV export, DuckDB
  file, SQLAlchemy URL) and the ``since`` windows;
- :mod:`~salesops_lib.data.io`: the readers of CSV, Parquet, DuckDB and SQL tables;
- :mod:`~salesops_lib.data.mapping`: source columns onto canonical columns, reps derived;
- :mod:`~salesops_lib.data.tables`: each mapped table typed to the schema;
- :mod:`~salesops_lib.data.coerce`: the column converters (dates, money, booleans, ...);
- :mod:`~salesops_lib.data.stages`: stage and forecast-category spellings, closed/won flags;
- :mod:`~salesops_lib.data.checks`: keys, blanks, signs, business rules, cross-table checks;
- :mod:`~salesops_lib.data.problems`: the problem rows and how they read;
- :mod:`~salesops_lib.data.presets`: column mappings of CRM exports;
- :mod:`~salesops_lib.data.sales_data`: :class:`SalesData`, the read-only tables;
- :mod:`~salesops_lib.data.snapshot`: validated data frozen to Arrow files and read back.
"""

from salesops_lib.data.load import SourceCheck, check_source, load_dataset, validate
from salesops_lib.data.problems import format_problem
from salesops_lib.data.sales_data import SalesData
from salesops_lib.data.snapshot import read_snapshot, write_snapshot

__all__ = [
    "SalesData",
    "SourceCheck",
    "check_source",
    "format_problem",
    "load_dataset",
    "read_snapshot",
    "validate",
    "write_snapshot",
]
