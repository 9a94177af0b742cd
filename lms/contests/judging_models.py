"""Judged rounds: submissions, rubric criteria, judge assignments and scores."""

from __future__ import annotations
