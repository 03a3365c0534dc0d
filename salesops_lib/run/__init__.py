"""The quarterly run and the command line."""
