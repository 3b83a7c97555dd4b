"""Fixtures of the sending tests: a real SMTP server on loopback."""

from __future__ import annotations

from tests.sending.sending_support import smtp

__all__ = ["smtp"]
