"""The web application for the people who act on the list: named users, roles, an audit trail.

A Django project (settings, urls, wsgi) and its one app live here. It reads the night's outputs
only through `orchestration.published.open_published()`, and keeps its own state (users, roles,
allocations, review decisions, audit) in its own database (SQLite by default).
"""
