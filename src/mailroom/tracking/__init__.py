"""Engagement tracking: signed open pixels, click redirects and one-click unsubscribe links."""
