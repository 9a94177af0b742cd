"""The quizzes area's side of fair contests, kept generic: an attempt with a device id is bound
to that browser, a sign-in elsewhere moves it (flask_login's user_logged_in: the auth area
knows nothing of quizzes), and focus losses are counted, bounded, for the purposes that ask.
Whether to bind, and when, is the caller's business (contest rounds)."""

import pytest
from sqlalchemy import select

from lms.courses.sync import sync_content
from lms.extensions import db
from lms.quizzes import rules, services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import AttemptEvent
from tests.conftest import login

BANK = "---\ntitle: Kiểm tra\n---\n## Câu 1\n- [x] A\n- [ ] B\n"


def test_device_rule():
    assert rules.device_allows(None, None) and rules.device_allows(None, "abc")
    assert rules.device_allows("abc", "abc")
    assert not rules.device_allows("abc", "xyz") and not rules.device_allows("abc", None)


def test_focus_rules():
    assert rules.records_focus("contest") and not rules.records_focus("course")
    assert [rules.focus_losses_reported(v) for v in ("3", " 7 ", "0", "-2", "x", None, "10000", 2.0)] == \
        [3, 7, 1, 1, 1, 1, rules.FOCUS_REPORT_MAX, 1]


@pytest.fixture
def attempt(any_db_app, content_dirs, make_user):
    """A course attempt, on SQLite and on PostgreSQL (the counts are conditional updates)."""
    sync_content(*content_dirs)
    bank, _ = services.load_bank("dvc", parse_markdown_bank(BANK))
    learner = make_user("hs.an")
    attempt = services.start_attempt(learner, bank)
    db.session.commit()
    return attempt


def test_binding_is_the_callers_choice_and_a_second_browser_is_refused(attempt):
    assert attempt.device_id is None
    services.check_device(attempt, None)  # unbound: any browser
    services.bind_device(attempt, "may-tinh")
    services.bind_device(attempt, "may-tinh")  # again on the same browser: nothing changes
    with pytest.raises(services.OtherDevice) as refused:
        services.bind_device(attempt, "dien-thoai")
    assert refused.value.since == attempt.started_at  # never moved: it went there when it started
    with pytest.raises(ValueError):
        services.bind_device(attempt, "")


def test_a_sign_in_moves_bound_attempts_and_records_it(attempt, any_db_app):
    client = any_db_app.test_client()
    services.bind_device(attempt, "may-tinh")
    db.session.commit()
    login(client, "hs.an")  # a new browser: its own device id, set before the sign-in signal
    db.session.expire_all()
    assert attempt.device_id not in (None, "may-tinh")
    [event] = db.session.scalars(select(AttemptEvent)).all()
    assert event.kind == "device_taken_over" and event.detail["from"] == services.device_label("may-tinh")
    assert event.detail["to"] == services.device_label(attempt.device_id)
    with pytest.raises(services.OtherDevice) as refused:
        services.check_device(attempt, "may-tinh")
    assert refused.value.since == event.at
    # The person's data download lists what happened to the attempt.
    from lms.auth.models import User
    from lms.privacy.services import export_personal_data

    [mine] = export_personal_data(db.session.get(User, attempt.user_id))["quizzes"]
    assert [e["kind"] for e in mine["events"]] == ["device_taken_over"] and mine["focus_losses"] == 0


def test_unbound_attempts_and_other_peoples_are_left_alone(attempt, any_db_app, make_user):
    make_user("hs.binh")
    login(any_db_app.test_client(), "hs.binh")
    login(any_db_app.test_client(), "hs.an")
    assert db.session.scalar(select(AttemptEvent.id)) is None


def test_course_attempts_record_no_focus_loss(attempt):
    assert services.record_focus_loss(attempt, "3", "hidden") == 0
    attempt.purpose = "contest"  # the rule is the purpose's, not the page's
    assert services.record_focus_loss(attempt, "3", "hidden") == 3
    services.finish_attempt(attempt)
    assert services.record_focus_loss(attempt, "3", "hidden") == 0
    db.session.commit()
    db.session.refresh(attempt)
    assert attempt.focus_losses == 3
