"""Charts: the time series and summaries the console draws, and the rollups that keep them cheap."""
