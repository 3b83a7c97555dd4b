"""Demo data: one deterministic account with lists, fields, contacts, mailings and events."""
