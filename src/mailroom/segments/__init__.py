"""Segments: named, saved criteria of one list, counted on demand (Ongage's Segments API)."""
