"""Bulk loads from files: contacts and engagement history from other systems."""
