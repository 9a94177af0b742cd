"""The demo contest must not seal a course's quiz: `lms demo` opens a contest round for a
month, and a round seals the keys of the bank it draws from (docs/contests.md, "Answers
sealed while a round runs"). Drawing from a course's quiz bank would hide that course's
answers, explanations and scores, and pause its practice, for every demo learner trying
`make run`. The demo round draws from a bank made for the contest instead."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.contests.models import Contest
from lms.core.demo import DEMO_CONTEST_BANK, DEMO_PASSWORD
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt, QuestionBank
from tests.conftest import login, post_form

ROOT = Path(__file__).resolve().parents[2]
COURSE = "ky-nang-tuyen-truyen-vien"
CONTEST = "tuyen-truyen-vien-gioi-2026"
SEALED_NOTE = "vòng thi đang diễn ra"
COURSE_TITLE = "Kỹ năng tuyên truyền viên dịch vụ công trực tuyến"
WARNING = "học viên của khoá học này sẽ không xem được đáp án"


@pytest.fixture
def demo(any_db_app):
    runner = any_db_app.test_cli_runner()
    for command in (["sync-content"], ["demo"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    return any_db_app


def test_the_demo_contest_draws_from_its_own_bank_not_a_course_quiz(demo):
    contest = db.session.scalar(select(Contest).where(Contest.slug == CONTEST))
    round_ = contest.rounds[0]
    bank = db.session.get(QuestionBank, round_.bank_id)
    assert bank.slug == DEMO_CONTEST_BANK == "hoi-thi-tuyen-truyen-vien-gioi"
    assert round_.draw == 10
    assert db.session.scalar(select(Course.slug).where(Course.quiz_slug == bank.slug)) is None
    assert len(bank.questions) >= 15


def test_a_demo_learner_sees_the_course_quiz_keys_and_practice(demo):
    client = demo.test_client()
    login(client, "hs.an", DEMO_PASSWORD)
    landing = f"/quizzes/course/{COURSE}"
    started = post_form(client, f"{landing}/start", {}, page=landing)
    assert "/quizzes/attempts/" in started.headers["Location"], started.headers["Location"]
    attempt = db.session.get(Attempt, int(started.headers["Location"].rstrip("/").split("/")[-1]))
    form = {f"q{item['v']}": "0" for item in attempt.items} | {"action": "submit"}
    done = post_form(client, f"/quizzes/attempts/{attempt.id}", form, page=f"/quizzes/attempts/{attempt.id}")
    assert done.headers["Location"].endswith("/review")
    review = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert SEALED_NOTE not in review
    assert "Điểm:" in review and "Đáp án đúng:" in review

    practice = f"/quizzes/practice/{COURSE}"
    page = client.get(practice).get_data(as_text=True)
    assert SEALED_NOTE not in page and 'name="v"' in page
    version = re.search(r'name="v" value="(\d+)"', page).group(1)
    checked = post_form(client, practice, {"v": version, "answer": "0"}, page=practice).get_data(as_text=True)
    assert SEALED_NOTE not in checked and "Đáp án đúng:" in checked


def test_the_organiser_is_warned_when_a_round_draws_from_a_course_quiz(demo):
    client = demo.test_client()
    login(client, "quanly.sgd", DEMO_PASSWORD)
    own = client.get(f"/contests/manage/{CONTEST}/rounds/1").get_data(as_text=True)
    assert WARNING not in own

    new = f"/contests/manage/{CONTEST}/rounds/new"
    saved = post_form(client, new, {"title": "Vòng chung khảo", "kind": "quiz", "opens_at": "2026-12-20T08:00",
                                    "closes_at": "2026-12-21T08:00", "bank": COURSE, "draw": "5",
                                    "attempts_allowed": "1", "counting": "best"}, page=new)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert WARNING in page and COURSE_TITLE in page
    # Choosing the bank is where the organiser decides: the list says which banks are course quizzes.
    choice = re.search(rf'<option[^>]*value="{COURSE}"[^>]*>([^<]*)<', page).group(1)
    assert "khoá học" in choice
    own_choice = re.search(rf'<option[^>]*value="{DEMO_CONTEST_BANK}"[^>]*>([^<]*)<', page).group(1)
    assert "khoá học" not in own_choice


def test_the_contest_bank_shares_no_question_with_a_course_quiz():
    """A question copied from a course's bank would leak its key through that course."""
    def texts(slug):
        parsed = parse_markdown_bank((ROOT / "quizzes" / f"{slug}.md").read_text(encoding="utf-8"))
        assert not parsed.issues, parsed.issues
        return {q.text.strip().casefold() for q in parsed.questions}

    contest = texts(DEMO_CONTEST_BANK)
    assert len(contest) >= 15
    for course_md in (ROOT / "courses").glob("*/course.md"):
        quiz = re.search(r"^quiz:\s*(\S+)", course_md.read_text(encoding="utf-8"), re.M)
        if quiz:
            assert quiz.group(1) != DEMO_CONTEST_BANK
            assert not contest & texts(quiz.group(1)), course_md


def test_lms_demo_mends_a_demo_database_loaded_before_the_contest_had_its_own_bank(demo):
    """`make run` runs `lms demo` at every start: an older demo database, whose round still
    draws from the course quiz and seals it, gets the contest bank while nobody has entered."""
    course_bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == COURSE))
    round_ = db.session.scalar(select(Contest).where(Contest.slug == CONTEST)).rounds[0]
    round_.bank_id = course_bank.id
    db.session.commit()
    client = demo.test_client()
    login(client, "hs.an", DEMO_PASSWORD)
    assert SEALED_NOTE in client.get(f"/quizzes/practice/{COURSE}").get_data(as_text=True)

    result = demo.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_CONTEST_BANK in result.output
    db.session.expire_all()
    assert db.session.get(QuestionBank, round_.bank_id).slug == DEMO_CONTEST_BANK
    assert SEALED_NOTE not in client.get(f"/quizzes/practice/{COURSE}").get_data(as_text=True)


def test_demo_units_count_their_headcounts_from_before_the_demo_round_opened(demo):
    # The demo units stand for units that existed before the contest: the organiser's pages
    # must not flag their headcounts as set after the first round opened.
    client = demo.test_client()
    login(client, "quanly.sgd", DEMO_PASSWORD)
    manage = client.get(f"/contests/manage/{CONTEST}/").get_data(as_text=True)
    assert "Trường THPT Chu Văn An" in manage and "1500" in manage
    assert "nhập sau khi vòng đầu mở" not in manage
