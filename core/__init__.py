"""Plumbing with no business rule, below every app: units and money, the JSON API's errors,
authentication and pagination, htmx helpers, admin bases and calendar helpers."""
