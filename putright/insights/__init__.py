"""Insight (PRODUCT.md R, E2): how the service is doing — the metrics catalogue computed by the database,
the dashboards, the exports and the complaints return. Reads the case record; nothing below imports it."""
