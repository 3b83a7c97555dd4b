"""Charts: the contacts chart (Tellody's ContactChart) over counters kept on write, and the
console's series, funnels and the rollups that keep them cheap."""
