from datetime import date, datetime

from lms.courses.rules import CompletionState, is_course_complete, is_overdue, progress_percent


def test_completion_needs_every_lesson_and_the_quiz():
    assert not is_course_complete(CompletionState(5, 4, True, True))
    assert not is_course_complete(CompletionState(5, 5, True, False))
    assert is_course_complete(CompletionState(5, 5, True, True))
    assert is_course_complete(CompletionState(5, 5, False, False))
    assert not is_course_complete(CompletionState(0, 0, False, False))


def test_progress_counts_the_quiz_as_a_step():
    assert progress_percent(0, 4, True, False) == 0
    assert progress_percent(4, 4, True, False) == 80
    assert progress_percent(4, 4, True, True) == 100
    assert progress_percent(2, 4, False, False) == 50
    assert progress_percent(9, 4, False, False) == 100


def test_overdue_only_when_due_date_passed_and_not_completed():
    today = date(2026, 11, 24)
    assert is_overdue(date(2026, 11, 23), None, today)
    assert not is_overdue(date(2026, 11, 24), None, today)
    assert not is_overdue(date(2026, 11, 1), datetime(2026, 11, 2), today)
    assert not is_overdue(None, None, today)
