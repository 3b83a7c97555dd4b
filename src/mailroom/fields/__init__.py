"""List fields: the typed custom columns of a list (email, string, numeric, date)."""
