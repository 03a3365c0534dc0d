"""Presentation: charts in one style, HTML helpers for notebooks, page templates."""
