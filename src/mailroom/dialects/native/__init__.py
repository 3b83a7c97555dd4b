"""mailroom's own API: bulk event ingest, tracking links and provider webhooks."""
