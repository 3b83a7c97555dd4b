"""HTTP plumbing shared by the dialects: context access, body reading, error rendering, limits."""
