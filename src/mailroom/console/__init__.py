"""The console: server-rendered pages under /console where a marketer sees the account at a glance.

A surface like the dialects: it parses forms and query strings, calls domain services, renders
Jinja2 templates; it never touches storage. Every asset (CSS, script, the uPlot chart library)
ships in this package, so the console works offline.
"""
