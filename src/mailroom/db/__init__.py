"""Storage: the schema, engines, migrations and the few backend-specific SQL forms."""
