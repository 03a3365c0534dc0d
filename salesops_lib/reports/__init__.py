"""Report builders: one module per report notebook, each build() returning a frozen result
of tables, tiles, sentences, gaps and definitions (see base.py), tested in tests/test_reports_*.py."""
