"""Analyses: pure functions over SalesData and the point-in-time layer, frames in, frames out."""
