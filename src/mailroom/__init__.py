"""mailroom: email-marketing contacts, engagement and automation behind vendor-compatible APIs."""

__version__ = "0.1.0"
