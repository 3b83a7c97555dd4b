"""The server secret: configured, or generated on first start and kept in the database."""
