"""Constant Contact v3 dialect: the contact reporting endpoints under ``/v3``."""
