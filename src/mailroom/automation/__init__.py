"""Ongage events and triggers: who is due for which message when, computed set-wise."""
