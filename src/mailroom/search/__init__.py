"""Questions about a list's contacts answered from the criteria compiler: contact search
(asynchronous, its matches stored) and contact counts (counted when asked)."""
