"""Tellody's CampaignCloud API: cookie session with XSRF, user info and the contacts chart."""
