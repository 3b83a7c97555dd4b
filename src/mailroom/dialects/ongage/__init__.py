"""The Ongage dialect: parses Ongage requests into core calls and renders Ongage's envelope."""
