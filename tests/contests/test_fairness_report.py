"""The printable integrity report of a quiz round (issue 17, fairness controls): attempts with
flags (focus losses, device moves, improbable times), identical uncommon wrong answers, and a
clear word that flags are for the organisers to look into, not proof. Organisers only."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import RoleAssignment
from lms.contests import organise, rounds, services
from lms.contests.integrity_views import round_integrity
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt
from tests.conftest import login

FILLER = "Người dân có thể nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia mà không cần đến cơ quan nhà nước"
QUESTIONS = 6
BANK = "---\ntitle: Vòng sơ khảo\nshuffle_options: false\nshuffle_questions: false\n---\n" + "\n".join(
    f"## Câu {i}: {FILLER}, đúng không?\n- [x] Đúng như vậy\n- [ ] Không đúng\n- [ ] Chỉ một phần\n- [ ] Không rõ\n"
    for i in range(1, QUESTIONS + 1))
OPENS = datetime(2026, 11, 1, 1, 0)
REPORT = "/contests/manage/hoi-thi/rounds/1/integrity"


def take(user, round_, choices: list[int], *, minutes: float, answer_every: float = 60.0):
    """An attempt started at 02:00 UTC that answers question i with ``choices[i]`` (0 is right),
    one answer every ``answer_every`` seconds, and submits after ``minutes``."""
    start = OPENS + timedelta(hours=1)
    attempt = rounds.start_round(user, round_, now=start, device=f"browser-{user.id}")
    for i, (item, choice) in enumerate(zip(attempt.items, choices, strict=True)):
        quiz_services.save_answer(attempt, item["v"], [str(choice)], now=start + timedelta(seconds=(i + 1) * answer_every))
    quiz_services.finish_attempt(attempt, now=start + timedelta(minutes=minutes))
    db.session.commit()
    return attempt


@pytest.fixture
def world(app, sample_tree, make_user):
    contest = services.create_contest(None, "hoi-thi", "Hội thi tuyên truyền viên giỏi", scope=sample_tree["province"])
    contest.status = "open"
    quiz_services.load_bank("so-khao", parse_markdown_bank(BANK))
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng sơ khảo", kind="quiz", opens_at=OPENS, closes_at=OPENS + timedelta(hours=15),
        bank_slug="so-khao", time_limit_minutes=30, one_device=True))
    db.session.commit()
    people = {}

    def person(username, name, unit="class_a1"):
        user = make_user(username, org=sample_tree[unit], full_name=name)
        services.register(user, contest, services.RegistrationForm(full_name=name))
        people[username] = user
        return user

    attempts = {}
    # Six honest participants, twelve minutes or so, each wrong once on a different question.
    for k in range(6):
        choices = [0] * QUESTIONS
        choices[k] = 1
        attempts[f"ts{k}"] = take(person(f"ts{k}", f"Thí Sinh {k}"), round_, choices, minutes=11 + k, answer_every=90)
    # Two who copy: the same unusual wrong option on three questions.
    copied = [0, 3, 3, 3, 0, 0]
    attempts["chep1"] = take(person("chep1", "Lê Chép Một"), round_, copied, minutes=10, answer_every=80)
    attempts["chep2"] = take(person("chep2", "Lê Chép Hai", "class_b1"), round_, copied, minutes=10, answer_every=85)
    # A full score in a minute, answers two seconds apart: faster than reading the questions.
    attempts["nhanh"] = take(person("nhanh", "Phạm Nhanh"), round_, [0] * QUESTIONS, minutes=1, answer_every=2)
    # Leaves the page four times, then signs in on a phone.
    away = person("roitrang", "Đỗ Rời Trang")
    attempt = rounds.start_round(away, round_, now=OPENS + timedelta(hours=1), device="may-tinh")
    for _ in range(4):
        quiz_services.record_focus_loss(attempt, "1", "hidden", now=OPENS + timedelta(hours=1, minutes=2))
    quiz_services.take_over_on_sign_in(away, "dien-thoai", agent="Mozilla/5.0 (Linux; Android 14)")
    db.session.commit()
    attempts["roitrang"] = attempt
    organiser = make_user("btc", full_name="Ban Tổ Chức")
    db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=contest.id))
    db.session.commit()
    return {"contest": contest, "round": round_, "attempts": attempts, "people": people}


def test_the_rules_flag_the_right_attempts(world):
    report = round_integrity(world["round"])
    ids = {name: a.id for name, a in world["attempts"].items()}
    flags = {row.facts.attempt_id: row.flags for row in report.flagged}
    assert flags == {ids["chep1"]: ["similar"], ids["chep2"]: ["similar"],
                     ids["nhanh"]: ["fast_full_score", "read_too_fast"], ids["roitrang"]: ["takeover", "focus"]}
    assert report.groups == [sorted([ids["chep1"], ids["chep2"]])]
    [pair] = report.pairs
    assert (pair.shared_wrong, pair.identical, pair.common) == (3, QUESTIONS, QUESTIONS)
    assert report.attempts == 10 and report.submitted == 9 and report.left_page == 1
    assert 600 <= report.median <= 720
    assert report.people[ids["chep2"]].name == "Lê Chép Hai" and report.people[ids["chep2"]].unit == "Lớp B1"


def test_the_organiser_reads_and_prints_it(client, world):
    login(client, "btc")
    response = client.get(REPORT)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Các dấu hiệu là để ban tổ chức xem xét, không phải là bằng chứng." in html
    for words in ("Lê Chép Một", "Lê Chép Hai", "Phạm Nhanh", "Đỗ Rời Trang", "Đáp án sai giống nhau",
                  "Điểm tối đa, làm rất nhanh", "Trả lời nhanh hơn tốc độ đọc", "Rời trang nhiều lần",
                  "Đã chuyển sang thiết bị khác", "Cách xác định các dấu hiệu"):
        assert words in html, words
    assert "Thí Sinh 3" not in html  # honest participants are not listed
    assert html.count('<div class="table-wrap">') >= 2  # tables scroll inside their box on a phone
    assert "css/integrity.css" in html and '<div class="no-print">' in html
    css = client.get("/static/css/integrity.css").get_data(as_text=True)
    assert "@media print" in css
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contest.integrity.view")).one()
    assert event.detail == {"round": 1, "flagged": 4}
    # The round's page leads to it.
    assert REPORT in client.get("/contests/manage/hoi-thi/rounds/1").get_data(as_text=True)


def test_only_the_contests_organisers_and_admins_see_it(client, app, world, make_user):
    assert client.get(REPORT).status_code == 302  # anonymous: sign in first
    login(client, "ts1")
    assert client.get(REPORT).status_code == 404
    other = app.test_client()
    make_user("quantri", roles=[("admin", None)])
    login(other, "quantri")
    assert other.get(REPORT).status_code == 200
    assert other.get("/contests/manage/hoi-thi/rounds/9/integrity").status_code == 404


def test_an_empty_round_has_an_empty_report(client, world):
    round_ = world["round"]
    db.session.execute(Attempt.__table__.update().where(Attempt.round_id == round_.id).values(round_id=None))
    db.session.commit()
    login(client, "btc")
    html = client.get(REPORT).get_data(as_text=True)
    assert "Không lượt thi nào của vòng này có dấu hiệu cần xem xét." in html
    assert "Không có thí sinh nào trùng nhau những đáp án sai ít gặp." in html
