"""Engagement activity: every send, open, click, bounce, opt-out, complaint, forward, page event."""
