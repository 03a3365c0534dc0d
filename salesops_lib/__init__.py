"""salesops workbench: the library behind every report.

Public entry points: :func:`load_dataset` and :class:`SalesData` (data), :class:`FiscalCalendar`
(periods), :func:`salesops_lib.analysis.kpis.kpi_table` (KPIs).
"""

from __future__ import annotations

from salesops_lib.data import SalesData, load_dataset, validate
from salesops_lib.errors import ConfigError, ReportError, SalesOpsDataError
from salesops_lib.periods import FiscalCalendar

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "FiscalCalendar",
    "ReportError",
    "SalesData",
    "SalesOpsDataError",
    "__version__",
    "load_dataset",
    "validate",
]
