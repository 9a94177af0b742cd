"""Completion reports, dashboards, exports and the public ranking."""
