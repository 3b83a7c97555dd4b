"""Tenants, their users and their API credentials."""
