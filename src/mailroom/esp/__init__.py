"""Sending connections ("ESP connections"): where mail leaves, and how a distribution picks one."""
