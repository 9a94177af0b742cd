"""Attempts: server clock, limits, idempotent submit, versions, and concurrency on both databases."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt, AttemptAnswer
from lms.quizzes.services import AlreadySubmitted, AttemptClosed

BANK = """---
title: "Thử"
time_limit_minutes: 10
max_attempts: 2
cooldown_minutes: 0
shuffle_questions: false
shuffle_options: false
---
## Ứng dụng định danh điện tử?
- [x] VNeID
- [ ] Zalo

## OTP có được cho người lạ?
- [ ] Đúng
- [x] Sai

## Mã OTP có mấy chữ số?
= 6
"""


def load(text=BANK, slug="thu"):
    bank, _ = services.load_bank(slug, parse_markdown_bank(text))
    db.session.commit()
    return bank


def answer_all(attempt, right=True):
    versions = services._item_versions(attempt)
    for item in attempt.items:
        v = versions[item["v"]]
        if v.type == "numeric":
            services.save_answer(attempt, v.id, ["6" if right else "5"])
        else:
            index = next(i for i, c in enumerate(v.data["choices"]) if (c["fraction"] > 0) == right)
            services.save_answer(attempt, v.id, [str(index)])


def test_full_marks_and_resume_same_attempt(app, make_user):
    learner = make_user("hs.an")
    bank = load()
    attempt = services.start_attempt(learner, bank)
    db.session.commit()
    assert services.start_attempt(learner, bank).id == attempt.id  # reopening resumes
    assert attempt.deadline == attempt.started_at + timedelta(minutes=10)
    answer_all(attempt)
    services.finish_attempt(attempt)
    db.session.commit()
    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (3.0, 3.0, 100.0, True)


def _answers(attempt):
    db.session.expire_all()
    return {a.question_version_id: a for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}


def test_answers_are_graded_as_they_are_saved_and_submitting_adds_them_up(app, make_user):
    learner = make_user("hs.an")
    bank = load()
    attempt = services.start_attempt(learner, bank)
    assert attempt.max_score == 3.0  # known from the paper at start
    first, second, third = (item["v"] for item in attempt.items)
    services.save_answer(attempt, first, ["0"])  # VNeID: right
    services.save_answer(attempt, third, ["6"])
    stored = _answers(attempt)
    assert (stored[first].fraction, stored[first].points, stored[third].points) == (1.0, 1.0, 1.0)
    services.save_answer(attempt, first, ["1"], now=utcnow() + timedelta(seconds=1))  # changes her mind: Zalo
    services.save_answer(attempt, second, ["0"])  # "Đúng": wrong
    assert [(_answers(attempt)[v].fraction, _answers(attempt)[v].points) for v in (first, second)] == [(0.0, 0.0)] * 2
    services.finish_attempt(attempt)
    db.session.commit()
    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (1.0, 3.0, 33.33, False)
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).score == 1.0


def test_the_banks_pass_mark_decides_at_submit(app, make_user):
    learner, other = make_user("hs.an"), make_user("hs.binh")
    bank = load(BANK.replace("max_attempts: 2", "max_attempts: 2\npass_score: 30"))
    one_right = services.start_attempt(learner, bank)
    services.save_answer(one_right, one_right.items[0]["v"], ["0"])
    none_right = services.start_attempt(other, bank)
    for attempt in (one_right, none_right):
        services.finish_attempt(attempt)
    db.session.commit()
    assert (one_right.percent, one_right.passed, none_right.percent, none_right.passed) == (33.33, True, 0.0, False)


def test_attempts_begun_before_grading_on_save_are_graded_in_full(app, make_user):
    """Attempts open when this version was deployed: their answers carry no points yet."""
    learner, other = make_user("hs.an"), make_user("hs.binh")
    bank = load()
    legacy, mixed = services.start_attempt(learner, bank), services.start_attempt(other, bank)
    answer_all(legacy)
    answer_all(mixed)
    db.session.flush()
    legacy.max_score = None
    db.session.execute(AttemptAnswer.__table__.update().where(AttemptAnswer.attempt_id == legacy.id)
                       .values(fraction=None, points=None))
    db.session.execute(AttemptAnswer.__table__.update().where(
        AttemptAnswer.attempt_id == mixed.id, AttemptAnswer.question_version_id == mixed.items[0]["v"])
        .values(fraction=None, points=None))
    db.session.commit()
    for attempt in (legacy, mixed):
        services.finish_attempt(attempt)
        db.session.commit()
        assert (attempt.score, attempt.max_score, attempt.percent) == (3.0, 3.0, 100.0)
        assert all(a.points == 1.0 for a in _answers(attempt).values())


def test_attempt_limit_and_cooldown(app, make_user):
    learner = make_user("hs.an")
    bank = load(BANK.replace("cooldown_minutes: 0", "cooldown_minutes: 30"))
    first = services.start_attempt(learner, bank)
    services.finish_attempt(first)
    db.session.commit()
    with pytest.raises(ServiceError, match="làm lại sau 30 phút"):
        services.start_attempt(learner, bank)
    later = utcnow() + timedelta(minutes=31)
    second = services.start_attempt(learner, bank, now=later)
    services.finish_attempt(second, now=later)
    with pytest.raises(ServiceError, match="dùng hết 2 lượt"):
        services.start_attempt(learner, bank, now=later + timedelta(hours=2))


def test_late_answers_are_refused_and_expired_attempt_is_graded_as_it_stood(app, make_user):
    learner = make_user("hs.an")
    bank = load()
    attempt = services.start_attempt(learner, bank)
    first_version = attempt.items[0]["v"]
    services.save_answer(attempt, first_version, ["0"])
    db.session.commit()
    too_late = attempt.deadline + timedelta(seconds=21)
    with pytest.raises(AttemptClosed):
        services.save_answer(attempt, attempt.items[1]["v"], ["1"], now=too_late)
    just_in_grace = attempt.deadline + timedelta(seconds=19)
    services.save_answer(attempt, attempt.items[1]["v"], ["1"], now=just_in_grace)
    assert services.close_expired_attempts(now=too_late) == 1
    db.session.commit()
    db.session.refresh(attempt)
    assert attempt.status == "submitted" and attempt.auto_submitted and attempt.score == 2.0


def test_editing_the_bank_never_changes_a_finished_attempt_and_regrades_are_explicit(app, make_user):
    learner = make_user("hs.an")
    bank = load()
    attempt = services.start_attempt(learner, bank)
    answer_all(attempt)
    services.finish_attempt(attempt)
    db.session.commit()
    old_versions = [i["v"] for i in attempt.items]
    fixed = BANK.replace("- [x] VNeID\n- [ ] Zalo", "- [ ] VNeID\n- [x] Zalo")
    _, report = services.load_bank("thu", parse_markdown_bank(fixed))
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    db.session.refresh(attempt)
    assert attempt.score == 3.0 and [i["v"] for i in attempt.items] == old_versions
    new_attempt = services.start_attempt(learner, bank)
    assert new_attempt.items[0]["v"] != old_versions[0]


def test_course_quiz_completes_the_course(app, make_user, content_dirs):
    from lms.courses.models import Course, Enrollment
    from lms.courses.services import mark_lesson_read
    from lms.courses.sync import sync_content

    courses_dir, quizzes_dir = content_dirs
    sync_content(courses_dir, quizzes_dir)
    bank = load(slug="dvc")
    course = db.session.scalar(select(Course))
    learner = make_user("hs.an")
    for lesson in course.lessons:
        mark_lesson_read(learner, lesson)
    attempt = services.start_attempt(learner, bank, course=course)
    answer_all(attempt)
    services.finish_attempt(attempt)
    db.session.commit()
    enrollment = db.session.scalar(select(Enrollment))
    assert enrollment.completed_at is not None and enrollment.score == 100.0


def _in_thread(app, fn, results, errors):
    def run():
        with app.app_context():
            try:
                results.append(fn())
                db.session.commit()
            except Exception as exc:  # collected and asserted on below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()
    return threading.Thread(target=run)


def test_fifty_concurrent_submits_give_one_result(any_db_app, make_user):
    app = any_db_app
    learner = make_user("hs.an")
    bank = load()
    attempt = services.start_attempt(learner, bank)
    answer_all(attempt)
    db.session.commit()
    attempt_id = attempt.id
    results, errors = [], []

    def submit():
        a = db.session.get(Attempt, attempt_id)
        return services.finish_attempt(a).submitted_at

    threads = [_in_thread(app, submit, results, errors) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1  # every caller saw the one submission
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.status == "submitted")) == 1
    assert db.session.get(Attempt, attempt_id).score == 3.0


def test_two_tabs_saving_concurrently_keep_the_latest_per_question(any_db_app, make_user):
    app = any_db_app
    learner = make_user("hs.an")
    bank = load()
    attempt = services.start_attempt(learner, bank)
    db.session.commit()
    attempt_id, version_id = attempt.id, attempt.items[0]["v"]
    base = utcnow()
    results, errors = [], []

    def save(i):
        def run():
            a = db.session.get(Attempt, attempt_id)
            return services.save_answer(a, version_id, [str(i % 2)], now=base + timedelta(milliseconds=i))
        return run

    threads = [_in_thread(app, save(i), results, errors) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = list(db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)))
    assert len(rows) == 1
    # Whatever order the saves landed in, the most recent one (i = 19) is kept.
    assert rows[0].response == [1] and rows[0].saved_at == base + timedelta(milliseconds=19)
    assert (rows[0].fraction, rows[0].points) == (0.0, 0.0)  # graded as the answer it kept (Zalo: wrong)


def _counted_equals_stored(attempt_id):
    """Every stored answer of a submitted attempt is in its score: none stored but not counted."""
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    stored = db.session.scalars(select(AttemptAnswer.points).where(AttemptAnswer.attempt_id == attempt_id)).all()
    return attempt.status == "submitted" and attempt.score == sum(stored), attempt.score, stored


def test_an_answer_saved_while_another_tab_submits_is_refused_not_lost(any_db_app, make_user):
    """The submission holds the attempt (its transaction is open) when the other tab's answer
    arrives: the answer must wait, then be refused, rather than be stored and not counted."""
    app = any_db_app
    learner = make_user("hs.an")
    bank = load()
    attempt = services.start_attempt(learner, bank)
    first, second = attempt.items[0]["v"], attempt.items[1]["v"]
    services.save_answer(attempt, first, ["0"])  # right
    db.session.commit()
    attempt_id = attempt.id
    services.finish_attempt(db.session.get(Attempt, attempt_id))  # not committed yet
    results, errors = [], []
    tab = _in_thread(app, lambda: services.save_answer(db.session.get(Attempt, attempt_id), second, ["1"]),
                     results, errors)
    tab.start()
    tab.join(0.5)
    db.session.commit()
    tab.join()
    assert results == [] and [type(e) for e in errors] == [AlreadySubmitted]
    counted, score, stored = _counted_equals_stored(attempt_id)
    assert counted and score == 1.0 and stored == [1.0]


def test_an_answer_being_saved_when_the_submission_arrives_is_counted(any_db_app, make_user):
    """The other way round: the answer's transaction is open when the submission comes; the
    submission waits for it and counts it."""
    app = any_db_app
    learner = make_user("hs.an")
    bank = load()
    attempt = services.start_attempt(learner, bank)
    first, second = attempt.items[0]["v"], attempt.items[1]["v"]
    services.save_answer(attempt, first, ["0"])
    db.session.commit()
    attempt_id = attempt.id
    services.save_answer(db.session.get(Attempt, attempt_id), second, ["1"])  # right; not committed yet
    results, errors = [], []
    tab = _in_thread(app, lambda: services.finish_attempt(db.session.get(Attempt, attempt_id)).score,
                     results, errors)
    tab.start()
    tab.join(0.5)
    db.session.commit()
    tab.join()
    assert errors == [] and results == [2.0]
    counted, score, stored = _counted_equals_stored(attempt_id)
    assert counted and score == 2.0


def test_two_tabs_starting_at_once_share_one_attempt(any_db_app, make_user):
    app = any_db_app
    learner = make_user("hs.an")
    bank = load()
    learner_id, bank_id = learner.id, bank.id
    results, errors = [], []

    def start():
        from lms.auth.models import User
        from lms.quizzes.models import QuestionBank

        return services.start_attempt(db.session.get(User, learner_id), db.session.get(QuestionBank, bank_id)).id

    threads = [_in_thread(app, start, results, errors) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1


def test_my_data_download_shows_no_score_before_the_attempt_is_submitted(app, make_user):
    """Answers are graded on save: the download must not tell a learner mid-quiz which are right."""
    from lms.privacy.services import export_personal_data

    learner = make_user("hs.an")
    bank = load()
    attempt = services.start_attempt(learner, bank)
    answer_all(attempt)
    db.session.commit()
    [mine] = export_personal_data(learner)["quizzes"]
    assert len(mine["answers"]) == 3 and {a["score"] for a in mine["answers"]} == {None}
    assert mine["percent"] is None
    services.finish_attempt(attempt)
    db.session.commit()
    [mine] = export_personal_data(learner)["quizzes"]
    assert {a["score"] for a in mine["answers"]} == {1.0} and mine["percent"] == 100.0


def test_a_plain_form_post_writes_only_the_answers_that_changed(app, make_user):
    """Without JavaScript every Save or Submit posts the whole page: unchanged answers stay as
    they were (a contest's answer log then records changes, not page posts)."""
    learner = make_user("hs.an")
    bank = load()
    attempt = services.start_attempt(learner, bank)
    first, second, third = (item["v"] for item in attempt.items)
    start = utcnow()
    page = {first: ["0"], second: ["1"], third: ["6"]}
    assert services.save_posted_answers(attempt, page, now=start) == 3
    later = start + timedelta(minutes=1)
    assert services.save_posted_answers(attempt, {**page, second: ["0"]}, now=later) == 1
    stored = _answers(attempt)
    assert (stored[first].saved_at, stored[second].saved_at, stored[third].saved_at) == (start, later, start)
    assert stored[second].response == [0] and stored[second].points == 0.0
    with pytest.raises(AttemptClosed):
        services.save_posted_answers(attempt, page, now=attempt.deadline + timedelta(minutes=1))
