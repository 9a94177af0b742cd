"""Outcome rules over plain data, tested without a database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class CompletionState:
    lessons_total: int
    lessons_read: int
    has_quiz: bool
    quiz_passed: bool


def is_course_complete(state: CompletionState) -> bool:
    """Complete = every current lesson read, and the course quiz passed when there is one."""
    if state.lessons_total == 0:
        return False
    if state.lessons_read < state.lessons_total:
        return False
    return state.quiz_passed or not state.has_quiz


def progress_percent(lessons_read: int, lessons_total: int, has_quiz: bool, quiz_passed: bool) -> int:
    """Share of the steps done; the quiz counts as one step like a lesson."""
    steps = lessons_total + (1 if has_quiz else 0)
    if steps == 0:
        return 0
    done = min(lessons_read, lessons_total) + (1 if has_quiz and quiz_passed else 0)
    return round(100 * done / steps)


def is_overdue(due_on: date | None, completed_at: datetime | None, today: date) -> bool:
    return due_on is not None and completed_at is None and today > due_on
