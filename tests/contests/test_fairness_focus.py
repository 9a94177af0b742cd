"""Leaving the page during a contest round (issue 17, fairness controls): the page says it is
recorded; quiz.js reports it with a small CSRF-protected POST (sendBeacon: the token in the
body); the losses go to Attempt.focus_losses and AttemptEvent rows, bounded; course quizzes
record and send nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.contests import organise, services
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt, AttemptEvent
from tests.conftest import csrf_token, login, post_form

BANK = "---\ntitle: Vòng 1\n---\n## Câu 1\n- [x] A\n- [ ] B\n\n## Câu 2\n- [x] C\n- [ ] D\n"
CONTEST = "/contests/hoi-thi/"
NOTICE = "mỗi lần bạn rời trang này"


@pytest.fixture
def contest(app, sample_tree, make_user, content_dirs):
    from lms.courses.sync import sync_content

    sync_content(*content_dirs)  # the course "dich-vu-cong", whose quiz is the bank "dvc"
    quiz_services.load_bank("dvc", parse_markdown_bank(BANK))
    contest = services.create_contest(None, "hoi-thi", "Hội thi", scope=sample_tree["province"])
    contest.status = "open"
    quiz_services.load_bank("vong-1", parse_markdown_bank(BANK))
    now = utcnow()
    organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1),
        bank_slug="vong-1", time_limit_minutes=30))
    db.session.commit()
    make_user("ts.an", org=sample_tree["class_a1"], full_name="Nguyễn Văn An")
    make_user("ts.binh", org=sample_tree["class_a1"], full_name="Trần Bình")
    return contest


def contest_attempt(client) -> Attempt:
    login(client, "ts.an")
    post_form(client, CONTEST, {"full_name": "Nguyễn Văn An"}, page=CONTEST)
    started = post_form(client, CONTEST + "rounds/1/start", {}, page=CONTEST)
    return db.session.get(Attempt, int(started.headers["Location"].rstrip("/").split("/")[-1]))


def report(client, attempt, **form):
    return post_form(client, f"/quizzes/attempts/{attempt.id}/focus", form, page="/")


def losses(attempt) -> tuple[int, list]:
    db.session.expire_all()
    events = db.session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt.id)
                                .order_by(AttemptEvent.id)).all()
    return db.session.get(Attempt, attempt.id).focus_losses, [e.detail for e in events]


def test_the_contest_page_says_so_and_each_report_is_recorded(client, contest):
    attempt = contest_attempt(client)
    html = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert NOTICE in html and "Việc này không làm thay đổi điểm của bạn." in html
    assert f'data-focus-url="/quizzes/attempts/{attempt.id}/focus"' in html
    assert report(client, attempt, n="1", how="hidden").status_code == 204
    assert report(client, attempt, n="3", how="blur").status_code == 204
    assert losses(attempt) == (4, [{"n": 1, "how": "hidden"}, {"n": 3, "how": "blur"}])


def test_reports_need_the_csrf_token_and_are_bounded(client, contest):
    attempt = contest_attempt(client)
    assert client.post(f"/quizzes/attempts/{attempt.id}/focus", data={"n": "1"}).status_code == 400
    assert losses(attempt) == (0, [])
    report(client, attempt, n="100000", how="<script>")
    report(client, attempt, n="not a number")
    report(client, attempt, n="-4", how="hidden")
    assert losses(attempt) == (22, [{"n": 20, "how": "blur"}, {"n": 1, "how": "blur"}, {"n": 1, "how": "hidden"}])


def test_reports_are_rate_limited_per_person_not_per_address(client, app, contest):
    attempt = contest_attempt(client)
    token = csrf_token(client, "/")
    statuses = [client.post(f"/quizzes/attempts/{attempt.id}/focus", data={"csrf_token": token, "n": "1"}).status_code
                for _ in range(31)]
    assert statuses[:30] == [204] * 30 and statuses[30] == 429
    # A classmate behind the same school address is not slowed down.
    other = app.test_client()
    login(other, "ts.binh")
    post_form(other, CONTEST, {"full_name": "Trần Bình"}, page=CONTEST)
    started = post_form(other, CONTEST + "rounds/1/start", {}, page=CONTEST)
    theirs = int(started.headers["Location"].rstrip("/").split("/")[-1])
    assert post_form(other, f"/quizzes/attempts/{theirs}/focus", {"n": "1"}, page="/").status_code == 204


def test_rows_stop_at_the_cap_while_the_count_goes_on(client, contest):
    from lms.quizzes.rules import FOCUS_EVENTS_MAX

    attempt = contest_attempt(client)
    for _ in range(FOCUS_EVENTS_MAX + 5):
        quiz_services.record_focus_loss(attempt, "2", "hidden")
    db.session.commit()
    count, rows = losses(attempt)
    assert count == 2 * (FOCUS_EVENTS_MAX + 5) and len(rows) == FOCUS_EVENTS_MAX


def test_nothing_is_recorded_after_submitting_nor_for_someone_else(client, app, contest):
    attempt = contest_attempt(client)
    post_form(client, f"/quizzes/attempts/{attempt.id}", {"action": "submit"}, page=f"/quizzes/attempts/{attempt.id}")
    assert report(client, attempt, n="2").status_code == 204
    assert losses(attempt) == (0, [])
    stranger = app.test_client()
    login(stranger, "ts.binh")
    assert post_form(stranger, f"/quizzes/attempts/{attempt.id}/focus", {"n": "1"}, page="/").status_code == 404


def test_course_quizzes_send_and_record_nothing(client, contest):
    login(client, "ts.an")
    started = post_form(client, "/quizzes/course/dich-vu-cong/start", {}, page="/quizzes/course/dich-vu-cong")
    attempt = db.session.get(Attempt, int(started.headers["Location"].rstrip("/").split("/")[-1]))
    assert attempt.purpose == "course"
    html = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert "data-focus-url" not in html and NOTICE not in html and 'id="attempt-rules"' not in html
    assert report(client, attempt, n="3").status_code == 204
    assert losses(attempt) == (0, [])
    assert db.session.scalar(select(func.count()).select_from(AttemptEvent)) == 0


def test_quiz_js_reports_by_beacon_with_the_token_in_the_body():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "lms" / "static" / "js" / "quiz.js").read_text(encoding="utf-8")
    assert "navigator.sendBeacon(focusUrl, body)" in script and 'body.append("csrf_token"' in script
    assert "keepalive: true" in script and '"visibilitychange"' in script and '"blur"' in script
