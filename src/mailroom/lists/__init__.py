"""Contact lists (Ongage lists): the container contacts, fields and segments belong to."""
