"""The HTTP surfaces: each vendor API, and mailroom's own, parsed into domain calls and rendered."""
