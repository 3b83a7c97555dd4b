"""Sending: connections (SMTP, outbox), claimed sends, rendering and delivery, exactly once."""
