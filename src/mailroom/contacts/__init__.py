"""Contacts: one row per (list, email), typed custom fields, Ongage's status model."""
