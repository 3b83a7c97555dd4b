"""The columnar replica: a DuckDB copy of the events (and of the contacts they belong to).

Windowed reports aggregate millions of events; a columnar engine does that an order of
magnitude faster than SQLite or PostgreSQL. The main database stays the source of truth: the
replica follows its logs by id, can be deleted at any time and rebuilt from it.
"""
