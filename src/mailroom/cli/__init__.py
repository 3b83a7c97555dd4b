"""The `mailroom` command line."""
