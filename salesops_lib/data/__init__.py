"""Loading, mapping and validation: CRM exports in, validated canonical tables out."""

from salesops_lib.data.load import load_dataset, read_snapshot, validate, write_snapshot
from salesops_lib.data.sales_data import SalesData

__all__ = ["SalesData", "load_dataset", "read_snapshot", "validate", "write_snapshot"]
