"""Contest pages: register, take a quiz round, leaderboard hidden until the round closes."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.contests import organise, services
from lms.contests.models import Registration
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt
from tests.conftest import login, post_form


@pytest.fixture
def contest(app, sample_tree):
    contest = services.create_contest(None, "hoi-thi", "Hội thi tuyên truyền viên giỏi", "Thể lệ **ngắn gọn**.",
                                      scope=sample_tree["province"], registration_fields={"phone": True})
    contest.status = "open"
    quiz_services.load_bank("vong-1", parse_markdown_bank("---\ntitle: V1\n---\n## Câu 1\n- [x] A\n- [ ] B\n"))
    now = utcnow()
    organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1),
        bank_slug="vong-1", time_limit_minutes=10, tiebreaker_question="Bao nhiêu người đúng hết?"))
    db.session.commit()
    return contest


def test_register_take_part_and_leaderboard_hidden_until_close(client, contest, make_user, sample_tree):
    make_user("ts.a", org=sample_tree["class_a1"], full_name="Thí Sinh A")
    login(client, "ts.a")
    page = client.get("/contests/hoi-thi/").get_data(as_text=True)
    assert "<strong>ngắn gọn</strong>" in page and 'name="phone"' in page
    refused = post_form(client, "/contests/hoi-thi/", {"full_name": "Thí Sinh A"}, page="/contests/hoi-thi/")
    assert db.session.scalar(select(Registration.id)) is None and refused.status_code == 200
    post_form(client, "/contests/hoi-thi/", {"full_name": "Thí Sinh A", "phone": "0912345678"}, page="/contests/hoi-thi/")
    assert db.session.scalar(select(Registration.phone)) == "0912345678"
    started = post_form(client, "/contests/hoi-thi/rounds/1/start", {"prediction": "3"}, page="/contests/hoi-thi/")
    assert "/quizzes/attempts/" in started.headers["Location"]
    attempt = db.session.scalar(select(Attempt))
    assert attempt.purpose == "contest" and attempt.round_id is not None
    hidden = client.get("/contests/hoi-thi/rounds/1/leaderboard.json").json
    assert hidden["rows"] == [] and "hidden_until" in hidden


def test_outsiders_and_drafts(client, contest, make_user, make_org):
    make_user("ngoai", org=make_org("KHAC", "Nơi khác", "province"))
    login(client, "ngoai")
    page = post_form(client, "/contests/hoi-thi/", {"full_name": "X", "phone": "0912345678"},
                     page="/contests/hoi-thi/").get_data(as_text=True)
    assert db.session.scalar(select(Registration.id)) is None and "Tỉnh Mẫu" in page
    contest.status = "draft"
    db.session.commit()
    assert client.get("/contests/hoi-thi/").status_code == 404


def test_contest_review_hides_score_and_answers_until_the_round_closes(client, contest, make_user, sample_tree):
    make_user("ts.b", org=sample_tree["class_a1"], full_name="Thí Sinh B")
    login(client, "ts.b")
    post_form(client, "/contests/hoi-thi/", {"full_name": "Thí Sinh B", "phone": "0912000111"}, page="/contests/hoi-thi/")
    started = post_form(client, "/contests/hoi-thi/rounds/1/start", {}, page="/contests/hoi-thi/")
    attempt_path = started.headers["Location"]
    post_form(client, attempt_path, {"action": "submit"}, page=attempt_path)
    review = client.get(attempt_path + "/review").get_data(as_text=True)
    assert "sau khi vòng thi kết thúc" in review and "Điểm:" not in review and "Đáp án đúng" not in review
    round_ = contest.rounds[0]
    round_.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    review = client.get(attempt_path + "/review").get_data(as_text=True)
    assert "Điểm:" in review and "Đáp án đúng" in review


def test_collective_ranking_by_school(client, contest, make_user, sample_tree):
    from lms.contests import rounds

    for username, org in (("ts.a1", "class_a1"), ("ts.a2", "class_a1"), ("ts.b1", "class_b1")):
        user = make_user(username, org=sample_tree[org])
        services.register(user, contest, services.RegistrationForm(full_name=username, phone="0912" + str(user.id).zfill(6)))
        attempt = rounds.start_round(user, contest.rounds[0])
        quiz_services.finish_attempt(attempt)
    db.session.commit()
    assert "sau khi vòng thi cuối" in client.get("/contests/hoi-thi/units").get_data(as_text=True)
    contest.rounds[0].closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get("/contests/hoi-thi/units?kind=school").get_data(as_text=True)
    assert page.index("Trường A") < page.index("Trường B")  # 2/100 = 2% against 1/80 = 1.25%
    assert client.get("/contests/hoi-thi/units?kind=galaxy").status_code == 404
