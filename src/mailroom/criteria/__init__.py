"""The criteria language: Ongage rules compiled into one selection of contacts (see service)."""
