"""What a spreadsheet would run as a formula: CSV cells starting with these get a leading quote."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
