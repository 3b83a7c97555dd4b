"""Charts over the counters kept on write: the contacts chart (Tellody's ContactChart)."""
