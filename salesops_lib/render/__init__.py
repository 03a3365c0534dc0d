"""Presentation: charts in one style, HTML helpers for notebooks, page templates."""

QUIET_ENV = "SALESOPS_QUIET"
"""Environment variable the quarterly run sets to ``1`` for the kernels it starts: only there
does :func:`salesops_lib.render.page.load` keep warnings and logs out of the output."""

REPORT_ENV = "SALESOPS_REPORT"
"""Environment variable the quarterly run sets, in each kernel it starts, to the report's
notebook name (``03_forecasting``): a look at the run's processes names each kernel's report."""
