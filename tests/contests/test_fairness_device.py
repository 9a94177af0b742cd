"""One active device per participant (issue 17, fairness controls): a one-device round binds
the attempt to the browser that started it; a sign-in on another device takes it over, and the
first device's next request gets a clear message and changes nothing. Two browsers are two
test clients, each with its own session cookie."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import RoleAssignment
from lms.contests import organise, services
from lms.core.timeutil import to_vn, utcnow
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt, AttemptAnswer, AttemptEvent
from tests.conftest import csrf_token, login, post_form

BANK = """---
title: Vòng sơ khảo
shuffle_options: false
shuffle_questions: false
---
## Ứng dụng định danh điện tử quốc gia là gì?
- [x] VNeID
- [ ] Zalo

## Có nên đọc mã OTP cho người lạ?
- [ ] Có
- [x] Không
"""
CONTEST = "/contests/hoi-thi/"
MESSAGE = re.compile(r"Bài thi đã được mở trên thiết bị khác lúc (\d\d:\d\d); chỉ một thiết bị được làm bài\.")


@pytest.fixture
def round_(app, sample_tree, make_user):
    contest = services.create_contest(None, "hoi-thi", "Hội thi", scope=sample_tree["province"])
    contest.status = "open"
    quiz_services.load_bank("so-khao", parse_markdown_bank(BANK))
    now = utcnow()
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1),
        bank_slug="so-khao", time_limit_minutes=30, one_device=True))
    db.session.commit()
    make_user("ts.an", org=sample_tree["class_a1"], full_name="Nguyễn Văn An")
    return round_


def browser(app, username="ts.an"):
    client = app.test_client()
    login(client, username)
    return client


def enter(client) -> Attempt:
    post_form(client, CONTEST, {"full_name": "Nguyễn Văn An"}, page=CONTEST)
    started = post_form(client, CONTEST + "rounds/1/start", {}, page=CONTEST)
    assert "/quizzes/attempts/" in started.headers["Location"], started.headers["Location"]
    return db.session.get(Attempt, int(started.headers["Location"].rstrip("/").split("/")[-1]))


def autosave(client, attempt, version_id, value):
    return client.post(f"/quizzes/attempts/{attempt.id}/answer", json={"v": version_id, "values": [value]},
                       headers={"X-CSRFToken": csrf_token(client, "/")})


def saved(attempt) -> dict:
    db.session.expire_all()
    return {a.question_version_id: a.response for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}


def test_a_sign_in_on_a_second_device_takes_the_attempt_over(app, round_):
    pc = browser(app)
    attempt = enter(pc)
    first, second = (item["v"] for item in attempt.items)
    assert attempt.device_id is not None
    assert autosave(pc, attempt, first, "0").json["ok"]

    phone = browser(app)  # the same person signs in on a phone
    [event] = db.session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt.id))
    assert event.kind == "device_taken_over"
    assert event.detail["from"] != event.detail["to"] and event.detail["ip"]
    shown_time = to_vn(event.at).strftime("%H:%M")

    # The computer's next request, whichever it is, gets the message and changes nothing.
    page = pc.get(f"/quizzes/attempts/{attempt.id}")
    assert page.status_code == 409
    assert MESSAGE.search(page.get_data(as_text=True)).group(1) == shown_time
    refused = autosave(pc, attempt, second, "1")
    assert refused.status_code == 409 and refused.json["closed"] and MESSAGE.search(refused.json["message"])
    posted = post_form(pc, f"/quizzes/attempts/{attempt.id}", {f"q{first}": "1", f"q{second}": "1",
                                                                "action": "submit"}, page="/")
    assert posted.headers["Location"].endswith(f"/quizzes/attempts/{attempt.id}")
    assert MESSAGE.search(pc.get(posted.headers["Location"]).get_data(as_text=True))
    db.session.refresh(attempt)
    assert attempt.status == "open" and saved(attempt) == {first: [0]}  # the answer saved before stays
    # Its focus reports are no longer recorded either: the phone holds the attempt.
    post_form(pc, f"/quizzes/attempts/{attempt.id}/focus", {"n": "1", "how": "hidden"}, page="/")
    db.session.refresh(attempt)
    assert attempt.focus_losses == 0

    # The phone goes on from where the computer stopped, and submits.
    html = phone.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert re.search(rf'name="q{first}" value="0"[^>]*checked', html), "the saved answer shows on the phone"
    assert autosave(phone, attempt, second, "1").json["ok"]
    done = post_form(phone, f"/quizzes/attempts/{attempt.id}", {"action": "submit"},
                     page=f"/quizzes/attempts/{attempt.id}")
    assert done.headers["Location"].endswith("/review")
    db.session.refresh(attempt)
    assert attempt.status == "submitted" and attempt.percent == 100


def test_signing_in_again_on_the_same_device_moves_nothing(app, round_):
    pc = browser(app)
    attempt = enter(pc)
    post_form(pc, "/logout", {}, page="/")
    login(pc, "ts.an")
    assert db.session.scalar(select(AttemptEvent.id)) is None
    assert pc.get(f"/quizzes/attempts/{attempt.id}").status_code == 200


def test_the_first_device_takes_it_back_only_by_signing_in_again(app, round_):
    pc = browser(app)
    attempt = enter(pc)
    phone = browser(app)
    assert pc.get(f"/quizzes/attempts/{attempt.id}").status_code == 409
    # Pressing "start" again on the computer does not move it back: a sign-in does.
    again = post_form(pc, CONTEST + "rounds/1/start", {}, page=CONTEST)
    assert again.headers["Location"].endswith(CONTEST)
    assert MESSAGE.search(pc.get(CONTEST).get_data(as_text=True))
    post_form(pc, "/logout", {}, page="/")  # ends every session of the person, the phone's too
    login(pc, "ts.an")
    assert pc.get(f"/quizzes/attempts/{attempt.id}").status_code == 200
    assert phone.get(f"/quizzes/attempts/{attempt.id}").status_code in (302, 409)
    kinds = db.session.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt.id)).all()
    assert kinds == ["device_taken_over", "device_taken_over"]


def test_a_second_browser_already_signed_in_cannot_start_the_bound_attempt(app, round_):
    phone = browser(app)  # signed in first, before the attempt existed
    pc = browser(app)
    attempt = enter(pc)
    started = post_form(phone, CONTEST + "rounds/1/start", {}, page=CONTEST)
    assert started.headers["Location"].endswith(CONTEST)
    assert MESSAGE.search(phone.get(CONTEST).get_data(as_text=True))
    assert phone.get(f"/quizzes/attempts/{attempt.id}").status_code == 409


def test_rounds_without_the_setting_and_course_quizzes_are_not_bound(app, round_):
    round_.one_device = False
    db.session.commit()
    pc = browser(app)
    attempt = enter(pc)
    assert attempt.device_id is None
    phone = browser(app)
    first = attempt.items[0]["v"]
    assert autosave(pc, attempt, first, "0").json["ok"] and autosave(phone, attempt, first, "1").json["ok"]
    assert db.session.scalar(select(AttemptEvent.id)) is None


def test_the_setting_is_a_checkbox_on_the_round_form_and_audited(app, round_, make_user):
    organiser = make_user("btc", full_name="Ban Tổ Chức")
    db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=round_.contest_id))
    db.session.commit()
    pc = browser(app)
    attempt = enter(pc)
    client = browser(app, "btc")
    url = "/contests/manage/hoi-thi/rounds/1"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]* checked[^>]*name="one_device"', page) and "Mỗi thí sinh chỉ dùng một thiết bị" in page
    form = {"title": "Vòng 1", "kind": "quiz", "opens_at": to_vn(round_.opens_at).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": to_vn(round_.closes_at).strftime("%Y-%m-%dT%H:%M"), "bank": "so-khao",
            "time_limit_minutes": "30", "attempts_allowed": "1", "counting": "best", "freeze_minutes": "0",
            "weight": "1", "hide_results_until_close": "y"}  # one_device left unticked
    assert post_form(client, url, form).status_code == 302
    db.session.expire_all()
    assert round_.one_device is False
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contest.round.settings")).one()
    assert event.detail["changes"]["one_device"] == [True, False]
    assert db.session.get(Attempt, attempt.id).device_id is None  # the attempt under way is free again
    history = client.get("/contests/manage/hoi-thi/").get_data(as_text=True)
    assert "Mỗi thí sinh chỉ dùng một thiết bị" in history
    assert post_form(client, url, {**form, "one_device": "y"}).status_code == 302
    db.session.expire_all()
    assert round_.one_device is True


def test_the_attempt_page_says_it_is_tied_to_this_device(app, round_):
    pc = browser(app)
    attempt = enter(pc)
    html = pc.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert "Lượt thi này gắn với thiết bị này" in html
