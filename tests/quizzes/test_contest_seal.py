"""Issue 14, fault 3: no path reveals the key of a question while a contest round that
draws from its bank is scheduled or under way (through its close plus grace), except to that
round's organisers and the platform's admins. Checked through the pages, on SQLite and
PostgreSQL."""

import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.auth.models import RoleAssignment
from lms.contests import organise, services
from lms.contests.models import ContestRound
from lms.core.timeutil import utcnow
from lms.courses.sync import sync_content
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt, QuestionVersion
from lms.quizzes.rules import GRACE
from tests.conftest import login, post_form

BANK = """---
title: "Kiểm tra cuối khoá"
shuffle_options: false
shuffle_questions: false
---
## Ứng dụng định danh điện tử quốc gia là gì?
- [x] Ứng dụng VNeID
- [ ] Ứng dụng Zalo

> Lời giải một: VNeID do Bộ Công an phát triển.

## Có nên đọc mã OTP cho người lạ?
- [ ] Nên đọc cho họ
- [x] Không bao giờ đọc

> Lời giải hai: mã OTP là bí mật.
"""
RIGHT_OPTIONS = ("Ứng dụng VNeID", "Không bao giờ đọc")
EXPLANATIONS = ("Lời giải một", "Lời giải hai")
SEALED_NOTE = "vòng thi đang diễn ra"
PRACTICE = "/quizzes/practice/dich-vu-cong"


def leaks(html: str) -> list[str]:
    """Every trace of a key in a page: right options named as such, explanations, verdicts."""
    found = [e for e in EXPLANATIONS if e in html]
    found += [marker for marker in ("Đáp án đúng:", "Chính xác!", "Chưa đúng.", "✓", "✗", "◐") if marker in html]
    return found


@pytest.fixture
def shared(any_db_app, make_user, sample_tree, content_dirs):
    """A course quiz bank that a running contest round also draws from."""
    sync_content(*content_dirs)
    quiz_services.load_bank("dvc", parse_markdown_bank(BANK))
    quiz_services.load_bank("khac", parse_markdown_bank("---\ntitle: Khác\n---\n## Câu khác?\n- [x] Có\n- [ ] Không\n"))
    contest = services.create_contest(None, "hoi-thi", "Hội thi", scope=sample_tree["province"])
    contest.status = "open"
    now = utcnow()
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1),
        bank_slug="dvc", time_limit_minutes=30, hide_results_until_close=False))
    db.session.commit()
    make_user("thisinh", org=sample_tree["class_a1"], full_name="Thí Sinh")
    make_user("hocvien", org=sample_tree["class_a1"])
    make_user("tacgia", roles=[("author", None)])
    make_user("quantri", roles=[("admin", None)])
    organiser = make_user("bantochuc", roles=[("author", None)])
    db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=contest.id))
    db.session.commit()
    return {"app": any_db_app, "contest": contest, "round": round_}


def close_round(round_id):
    round_ = db.session.get(ContestRound, round_id)
    round_.opens_at = utcnow() - timedelta(hours=3)
    round_.closes_at = utcnow() - GRACE - timedelta(seconds=5)
    db.session.commit()


def enter_round(client, user="thisinh"):
    login(client, user)
    post_form(client, "/contests/hoi-thi/", {"full_name": "Thí Sinh"}, page="/contests/hoi-thi/")
    started = post_form(client, "/contests/hoi-thi/rounds/1/start", {}, page="/contests/hoi-thi/")
    assert "/quizzes/attempts/" in started.headers["Location"], started.headers["Location"]
    return db.session.get(Attempt, int(started.headers["Location"].rstrip("/").split("/")[-1]))


def take_course_quiz(client, user, choice="1"):
    """A course attempt on the shared bank, answered (wrongly with option 1) and submitted."""
    login(client, user)
    response = post_form(client, "/quizzes/course/dich-vu-cong/start", {}, page="/quizzes/course/dich-vu-cong")
    attempt = db.session.get(Attempt, int(response.headers["Location"].rstrip("/").split("/")[-1]))
    form = {f"q{item['v']}": choice for item in attempt.items} | {"action": "submit"}
    done = post_form(client, f"/quizzes/attempts/{attempt.id}", form, page=f"/quizzes/attempts/{attempt.id}")
    assert done.headers["Location"].endswith("/review")
    return attempt


def practise(client, version_id, answer="0"):
    return post_form(client, PRACTICE, {"v": version_id, "answer": answer}, page=PRACTICE)


def test_a_contestant_cannot_read_his_paper_s_answers_through_course_practice(shared):
    client = shared["app"].test_client()
    attempt = enter_round(client)
    assert attempt.purpose == "contest"
    for item in attempt.items:
        for answer in ("0", "1"):
            response = practise(client, item["v"], answer)
            html = response.get_data(as_text=True)
            assert response.status_code == 200
            assert leaks(html) == [], leaks(html)
            assert SEALED_NOTE in html
    # The practice page offers no question of the sealed bank either.
    page = client.get(PRACTICE).get_data(as_text=True)
    assert SEALED_NOTE in page and 'name="v"' not in page


def test_practice_refuses_a_question_of_another_bank(shared):
    client = shared["app"].test_client()
    login(client, "hocvien")
    close_round(shared["round"].id)  # nothing sealed: only the bank check refuses
    other = db.session.scalar(select(QuestionVersion.id).where(QuestionVersion.text == "Câu khác?"))
    assert practise(client, other).status_code == 404
    assert practise(client, 10**9).status_code == 404


def test_the_contest_attempt_s_own_review_shows_no_key_before_the_close(shared):
    client = shared["app"].test_client()
    attempt = enter_round(client)
    form = {f"q{item['v']}": "0" for item in attempt.items} | {"action": "submit"}
    post_form(client, f"/quizzes/attempts/{attempt.id}", form, page=f"/quizzes/attempts/{attempt.id}")
    html = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert leaks(html) == [], leaks(html)


def test_a_course_attempt_on_the_shared_bank_shows_no_key_and_no_per_answer_score(shared):
    client = shared["app"].test_client()
    attempt = take_course_quiz(client, "hocvien")
    html = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert leaks(html) == [], leaks(html)
    assert SEALED_NOTE in html
    # The personal-data download would tell which answer was right just as well.
    data = json.loads(post_form(client, "/me/data", {}, page="/me/data").get_data(as_text=True))
    answers = [a for attempt in data["quizzes"] for a in attempt["answers"]]
    assert answers and all(a["score"] is None for a in answers)
    # With unlimited attempts, the score of each retry (one answer changed at a time) would
    # give the key away as surely: it waits for the close too, wherever it is shown.
    assert "Điểm:" not in html and "Kết quả được công bố sau khi vòng thi kết thúc." in html
    course_page = client.get("/quizzes/course/dich-vu-cong").get_data(as_text=True)
    assert '<td class="num">0%</td>' not in course_page and "Chưa đạt" not in course_page and "điểm sẽ được hiển thị" in course_page
    assert all(a["percent"] is None and a["passed"] is None for a in data["quizzes"])


def test_an_author_sees_no_key_statistics_or_export_of_a_sealed_bank(shared):
    client = shared["app"].test_client()
    take_course_quiz(client, "hocvien")  # wrong answers: item statistics would name "Ứng dụng Zalo"
    client = shared["app"].test_client()
    login(client, "tacgia")
    page = client.get("/quizzes/banks/dvc")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and SEALED_NOTE in html
    assert "Ứng dụng Zalo" not in html and "export.gift" not in html
    # The bank page lists options and marks the key for authors, but not while sealed.
    assert leaks(html) == [] and "đáp án đúng" not in html
    for fmt in ("md", "gift", "xlsx"):
        response = client.get(f"/quizzes/banks/dvc/export.{fmt}")
        body = response.get_data()
        assert response.status_code != 200 or response.mimetype == "text/html", fmt
        for secret in RIGHT_OPTIONS + EXPLANATIONS:
            assert secret.encode() not in body, (fmt, secret)
    # Nor through a regrade report or an import whose "unchanged" count would confirm a guess.
    question_id = db.session.scalar(select(QuestionVersion.question_id).where(
        QuestionVersion.text == "Ứng dụng định danh điện tử quốc gia là gì?"))
    regraded = post_form(client, f"/quizzes/banks/dvc/questions/{question_id}/regrade", {}, page="/quizzes/banks/dvc",
                         follow_redirects=True).get_data(as_text=True)
    assert SEALED_NOTE in regraded
    from tests.quizzes.test_author_pages import upload

    guessed = upload(client, "doan.md", BANK.encode(), "dvc").get_data(as_text=True)
    assert SEALED_NOTE in guessed and "unchanged" not in guessed and "không đổi" not in guessed


def test_organisers_and_admins_still_see_everything(shared):
    client = shared["app"].test_client()
    take_course_quiz(client, "hocvien")
    for user in ("bantochuc", "quantri"):
        client = shared["app"].test_client()
        login(client, user)
        html = client.get("/quizzes/banks/dvc").get_data(as_text=True)
        assert "Ứng dụng Zalo" in html and "export.gift" in html, user
        assert html.count('<span class="sr-only">đáp án đúng:</span> ') == len(RIGHT_OPTIONS), user
        gift = client.get("/quizzes/banks/dvc/export.gift")
        assert gift.status_code == 200 and "Lời giải một".encode() in gift.data, user
        xlsx = client.get("/quizzes/banks/dvc/export.xlsx")
        cells = [str(c) for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True) for c in row]
        assert any("Lời giải hai" in c for c in cells), user
        version = db.session.scalar(select(QuestionVersion.id).where(
            QuestionVersion.text == "Ứng dụng định danh điện tử quốc gia là gì?"))
        assert "Lời giải một" in practise(client, version).get_data(as_text=True), user


def test_after_the_close_and_grace_the_usual_rules_apply_again(shared):
    client = shared["app"].test_client()
    attempt = take_course_quiz(client, "hocvien")
    close_round(shared["round"].id)
    html = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Lời giải một" in html and "Đáp án đúng:" in html and "Điểm:" in html
    assert "Chưa đạt" in client.get("/quizzes/course/dich-vu-cong").get_data(as_text=True)
    version = db.session.scalar(select(QuestionVersion.id).where(
        QuestionVersion.text == "Ứng dụng định danh điện tử quốc gia là gì?"))
    assert "Lời giải một" in practise(client, version).get_data(as_text=True)
    author = shared["app"].test_client()
    login(author, "tacgia")
    assert "Ứng dụng Zalo" in author.get("/quizzes/banks/dvc").get_data(as_text=True)
    assert "Lời giải một".encode() in author.get("/quizzes/banks/dvc/export.md").data


def test_a_scheduled_round_already_seals_its_bank(shared):
    round_ = db.session.get(ContestRound, shared["round"].id)
    round_.opens_at, round_.closes_at = utcnow() + timedelta(days=3), utcnow() + timedelta(days=3, hours=1)
    db.session.commit()
    client = shared["app"].test_client()
    login(client, "hocvien")
    version = db.session.scalar(select(QuestionVersion.id).where(
        QuestionVersion.text == "Ứng dụng định danh điện tử quốc gia là gì?"))
    html = practise(client, version).get_data(as_text=True)
    assert leaks(html) == [] and SEALED_NOTE in html


def test_command_line_exports_and_imports_follow_the_same_seal(shared, tmp_path):
    runner = shared["app"].test_cli_runner()
    for who in ([], ["--as", "tacgia"], ["--as", "thisinh"]):
        refused = runner.invoke(args=["export-questions", "--bank", "dvc", "--format", "gift", *who])
        assert refused.exit_code == 1, (who, refused.output)
        assert "Lời giải" not in refused.output and "Ứng dụng VNeID" not in refused.output
        assert "--as" in refused.output
    guess = tmp_path / "dvc.md"
    guess.write_text(BANK, encoding="utf-8")
    refused = runner.invoke(args=["import-questions", str(guess), "--bank", "dvc", "--dry-run", "--as", "tacgia"])
    assert refused.exit_code == 1 and "unchanged" not in refused.output
    for who in ("quantri", "bantochuc"):
        allowed = runner.invoke(args=["export-questions", "--bank", "dvc", "--format", "gift", "--as", who])
        assert allowed.exit_code == 0 and "Lời giải một" in allowed.output, allowed.output
    assert runner.invoke(args=["export-questions", "--bank", "dvc", "--as", "khong-co-ai"]).exit_code == 2
    close_round(shared["round"].id)
    assert "Lời giải một" in runner.invoke(args=["export-questions", "--bank", "dvc"]).output
