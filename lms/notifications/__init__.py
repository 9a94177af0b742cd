"""Reminders and notices: in-app notifications, each person's settings per kind, and a daily
email digest (issue 18)."""
