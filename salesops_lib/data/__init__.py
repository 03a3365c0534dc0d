"""Loading, mapping and validation: CRM exports in, validated canonical tables out."""

from salesops_lib.data.load import SalesData, load_dataset, read_snapshot, validate, write_snapshot

__all__ = ["SalesData", "load_dataset", "read_snapshot", "validate", "write_snapshot"]
