"""Ongage's asynchronous contact activity reports: validated up front, run as durable jobs."""
