"""Durable background work: a job table in the main database, claimed by worker processes."""
