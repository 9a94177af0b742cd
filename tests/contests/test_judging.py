"""A judged round end to end through the real pages: rubric and judges, submissions and their
files, conflict-free assignment, blind judging, scores, final results and the ranking."""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import zlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.auth.models import RoleAssignment
from lms.contests import judging, organise, rounds, services
from lms.contests.judging_models import JudgeAssignment, JudgeScore, JudgingConfig, Submission
from lms.contests.judging_rules import weighted_score
from lms.contests.models import ContestRound, Registration, RoundEntry
from lms.contests.ranking import combine_rounds
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.conftest import login, post_form

SLUG = "hoi-thi-dvc"
SUBMIT = f"/contests/{SLUG}/rounds/2/submit"
MANAGE = f"/contests/{SLUG}/rounds/2/judging"
HOA = "Nguyễn Thị Hoà"


def png_bytes(width=2, height=2) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run"


def upload(client, filename, content, page=SUBMIT):
    return post_form(client, SUBMIT, {"kind": "file", "file": (io.BytesIO(content), filename)}, page=page,
                     content_type="multipart/form-data")


@pytest.fixture
def world(any_db_app, sample_tree, make_user):
    """A provincial contest: a finished quiz round (results given) and an open judged round."""
    contest = services.create_contest(None, SLUG, "Hội thi tuyên truyền viên dịch vụ công trực tuyến giỏi",
                                      scope=sample_tree["province"])
    contest.status = "open"
    now = utcnow()
    # The quiz round only holds results (written below), so it needs no question bank.
    quiz = ContestRound(position=1, kind="quiz", title="Vòng 1: trắc nghiệm", opens_at=now - timedelta(days=2),
                        closes_at=now - timedelta(days=1))
    contest.rounds.append(quiz)
    db.session.commit()
    judged = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 2: sản phẩm truyền thông", kind="judged", opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1), weight=2.0))
    db.session.commit()
    organiser = make_user("btc", org=sample_tree["province"], full_name="Ban Tổ Chức")
    db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=contest.id))
    judges = {
        "gk.a": make_user("gk.a", org=sample_tree["school_a"], full_name="Giám Khảo A"),
        "gk.b": make_user("gk.b", org=sample_tree["school_b"], full_name="Giám Khảo B"),
        "gk.p": make_user("gk.p", org=sample_tree["province"], full_name="Giám Khảo Tỉnh"),
    }
    people = {}
    for username, org, name in (("ts1", "class_a1", HOA), ("ts2", "class_b1", "Trần Văn Bình"),
                                ("ts3", "class_a1", "Lê Thu Cúc"), ("ts4", "class_b1", "Phạm Đức Dũng"),
                                ("ts5", "class_a1", "Đỗ Minh Em")):
        user = make_user(username, org=sample_tree[org], full_name=name)
        people[username] = services.register(user, contest, services.RegistrationForm(full_name=name))
    for i, registration in enumerate(people.values()):  # quiz round results, as a quiz round writes them
        db.session.add(RoundEntry(round_id=quiz.id, registration_id=registration.id, score=50.0 + 10 * i,
                                  seconds_taken=300.0, submitted_at=quiz.opens_at + timedelta(minutes=i)))
    db.session.commit()
    return {"app": any_db_app, "contest": contest, "quiz": quiz, "round": judged, "judges": judges,
            "people": people, "tree": sample_tree}


def user_of(registration):
    from lms.auth.models import User

    return db.session.get(User, registration.user_id)


def submission_for(registration) -> Submission | None:
    db.session.expire_all()
    return db.session.scalar(select(Submission).where(Submission.registration_id == registration.id))


def test_judged_round_end_to_end(world):
    app, round_, people = world["app"], world["round"], world["people"]
    client = app.test_client()

    # --- the organiser sets the round up ---------------------------------------------------
    login(client, "btc")
    assert client.get(MANAGE).status_code == 200
    saved = post_form(client, MANAGE + "/config", {"judges_per_entry": "2", "blind": "y", "max_upload_mb": "1",
                                                   "accepted_kinds": ["link", "article", "file"]}, page=MANAGE)
    assert saved.status_code == 302
    post_form(client, MANAGE + "/criteria", {
        "rows-0-name": "Nội dung", "rows-0-max_points": "10", "rows-0-weight": "2",
        "rows-0-description": "Đúng, đủ, dễ hiểu",
        "rows-1-name": "Hình thức", "rows-1-max_points": "5", "rows-1-weight": "1",
        "rows-2-name": "", "rows-2-max_points": "", "rows-2-weight": ""}, page=MANAGE)
    for username in ("gk.a", "gk.b", "gk.p"):
        post_form(client, MANAGE + "/judges", {"username": username}, page=MANAGE)
    config = db.session.scalar(select(JudgingConfig).where(JudgingConfig.round_id == round_.id))
    assert (config.judges_per_entry, config.blind, config.max_upload_mb) == (2, True, 1)
    criteria = judging.criteria_of(round_)
    assert [(c.name, c.max_points, c.weight) for c in criteria] == [("Nội dung", 10, 2), ("Hình thức", 5, 1)]
    assert len(judging.judges_of(world["contest"])) == 3

    # --- participants submit ---------------------------------------------------------------
    participant = app.test_client()
    login(participant, "ts1")
    page = participant.get(SUBMIT).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert upload(participant, "ke-hoach.pdf", PDF).status_code == 302
    first = submission_for(people["ts1"])
    first_file = judging.stored_path(first)
    assert first.content_type == "application/pdf" and first_file.is_file()
    # Replacing before the close keeps the code and removes the old file.
    assert upload(participant, "poster.png", png_bytes()).status_code == 302
    mine = submission_for(people["ts1"])
    stored = judging.stored_path(mine)
    assert mine.code == first.code and not first_file.exists()
    assert mine.content_type == "image/png" and mine.original_name == "poster.png"
    assert stored.parent == judging.upload_dir(round_.id) and stored.parent.is_relative_to(app.instance_path)
    assert "static" not in stored.parts and len(stored.name) == 32 and "." not in stored.name
    assert stored.read_bytes() == png_bytes() and mine.sha256 == hashlib.sha256(png_bytes()).hexdigest()
    assert not stored.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)

    other = app.test_client()
    login(other, "ts2")
    assert upload(other, "to-roi.pdf", PDF).status_code == 302

    third = app.test_client()
    login(third, "ts3")
    files_before = sorted(p.name for p in judging.upload_dir(round_.id).iterdir())
    refused = upload(third, "bai-du-thi.pdf", EXE)  # an executable renamed .pdf
    assert refused.status_code == 200 and "flash-error" in refused.get_data(as_text=True)
    refused = upload(third, "to.png", png_bytes() + b"\x00" * (1024 * 1024))  # over the 1 MB limit
    assert refused.status_code == 200 and "flash-error" in refused.get_data(as_text=True)
    refused = post_form(third, SUBMIT, {"kind": "link", "url": "javascript:alert(document.cookie)"})
    assert refused.status_code == 200 and "flash-error" in refused.get_data(as_text=True)
    assert submission_for(people["ts3"]) is None
    assert sorted(p.name for p in judging.upload_dir(round_.id).iterdir()) == files_before  # nothing left behind
    assert post_form(third, SUBMIT, {"kind": "link", "url": "https://www.youtube.com/watch?v=abc"}).status_code == 302
    assert post_form(third, SUBMIT, {"kind": "link", "url": "https://youtu.be/xyz"}).status_code == 302
    assert submission_for(people["ts3"]).url == "https://youtu.be/xyz"

    fourth = app.test_client()
    login(fourth, "ts4")
    article = "# Dịch vụ công\n\nNộp hồ sơ **trực tuyến**.\n\n<script>alert(1)</script>[x](javascript:alert(1))"
    assert post_form(fourth, SUBMIT, {"kind": "article", "article": article}).status_code == 302
    html = submission_for(people["ts4"]).article_html
    assert "<strong>trực tuyến</strong>" in html and "<script" not in html and "javascript:" not in html

    # Not registered: sent to the contest page.
    outsider = app.test_client()
    db.session.execute(RoundEntry.__table__.delete().where(RoundEntry.registration_id == people["ts5"].id))
    db.session.execute(Registration.__table__.delete().where(Registration.id == people["ts5"].id))
    db.session.commit()
    login(outsider, "ts5")
    assert outsider.get(SUBMIT).status_code == 302

    # --- the round closes -----------------------------------------------------------------
    round_.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = post_form(third, SUBMIT, {"kind": "link", "url": "https://youtu.be/late"}, page=f"/contests/{SLUG}/")
    assert late.status_code == 200 and submission_for(people["ts3"]).url == "https://youtu.be/xyz"
    with pytest.raises(ServiceError):
        judging.submit_entry(user_of(people["ts3"]), round_, "link", url="https://youtu.be/late2")
    db.session.rollback()

    # --- assignment avoids same-school judges ----------------------------------------------
    assert post_form(client, MANAGE + "/assign", {}, page=MANAGE).status_code == 302
    db.session.expire_all()
    judges = world["judges"]
    codes = {name: submission_for(people[name]) for name in ("ts1", "ts2", "ts3", "ts4")}
    assigned = {name: {a.judge_id for a in sub.assignments} for name, sub in codes.items()}
    # School A's pupils are judged by school B and the province, and the other way round.
    assert assigned["ts1"] == assigned["ts3"] == {judges["gk.b"].id, judges["gk.p"].id}
    assert assigned["ts2"] == assigned["ts4"] == {judges["gk.a"].id, judges["gk.p"].id}
    progress_page = client.get(MANAGE).get_data(as_text=True)
    assert codes["ts1"].code in progress_page and HOA in progress_page  # organisers see names
    # Re-running adds nothing and moves nobody.
    post_form(client, MANAGE + "/assign", {}, page=MANAGE)
    assert db.session.scalar(select(func.count(JudgeAssignment.id))) == 8

    # --- judges see only their entries, blind -------------------------------------------------
    judge_a = app.test_client()
    login(judge_a, "gk.a")
    dashboard = judge_a.get("/contests/judging").get_data(as_text=True)
    assert codes["ts2"].code in dashboard and codes["ts4"].code in dashboard
    assert codes["ts1"].code not in dashboard and codes["ts3"].code not in dashboard
    entry_url = f"/contests/{SLUG}/rounds/2/judge/"
    assert judge_a.get(entry_url + codes["ts1"].code).status_code == 404
    assert judge_a.get(f"/contests/{SLUG}/rounds/2/files/{codes['ts1'].code}").status_code == 404
    judge_b = app.test_client()
    login(judge_b, "gk.b")
    entry_page = judge_b.get(entry_url + codes["ts1"].code).get_data(as_text=True)
    assert codes["ts1"].code in entry_page and "<fieldset" in entry_page and "<legend" in entry_page
    assert HOA not in entry_page and "poster.png" not in entry_page and "Lớp A1" not in entry_page
    assert "style=" not in entry_page and "<script" not in entry_page

    # --- file downloads -------------------------------------------------------------------
    file_url = f"/contests/{SLUG}/rounds/2/files/{codes['ts1'].code}"
    response = judge_b.get(file_url)
    assert response.status_code == 200 and response.data == png_bytes()
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert f"{codes['ts1'].code}.png" in response.headers["Content-Disposition"]
    assert "poster" not in response.headers["Content-Disposition"]
    pdf = judge_a.get(f"/contests/{SLUG}/rounds/2/files/{codes['ts2'].code}")
    assert pdf.status_code == 200 and pdf.headers["Content-Disposition"].startswith("attachment")
    assert participant.get(file_url).status_code == 200  # the participant
    assert client.get(file_url).status_code == 200  # an organiser
    assert other.get(file_url).status_code == 404  # another participant
    assert app.test_client().get(file_url).status_code in (302, 401)  # signed out

    # --- scores ---------------------------------------------------------------------------
    c1, c2 = criteria
    given = {("gk.b", "ts1"): (8, 3), ("gk.p", "ts1"): (10, 5), ("gk.b", "ts3"): (6, 2), ("gk.p", "ts3"): (7, 4),
             ("gk.a", "ts2"): (9, 4), ("gk.p", "ts2"): (9, 5), ("gk.a", "ts4"): (5, 5), ("gk.p", "ts4"): (4, 1)}
    judge_p = app.test_client()
    login(judge_p, "gk.p")
    sessions = {"gk.a": judge_a, "gk.b": judge_b, "gk.p": judge_p}
    over = post_form(judge_b, entry_url + codes["ts1"].code, {f"c_{c1.id}": "11", f"c_{c2.id}": "3"})
    assert over.status_code == 200 and db.session.scalar(select(func.count(JudgeScore.id))) == 0
    for (judge, name), (p1, p2) in list(given.items())[:-1]:
        done = post_form(sessions[judge], entry_url + codes[name].code,
                         {f"c_{c1.id}": str(p1), f"c_{c2.id}": str(p2), "comment": "Tốt"})
        assert done.status_code == 302, (judge, name)
    # Finalising with a score missing is refused and says which.
    refused = post_form(client, MANAGE + "/finalise", {}, page=MANAGE, follow_redirects=True)
    assert codes["ts4"].code in refused.get_data(as_text=True) and "gk.p" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(RoundEntry.id)).where(RoundEntry.round_id == round_.id)) == 0
    (judge, name), (p1, p2) = list(given.items())[-1]
    post_form(sessions[judge], entry_url + codes[name].code, {f"c_{c1.id}": str(p1), f"c_{c2.id}": str(p2)})
    assert post_form(client, MANAGE + "/finalise", {}, page=MANAGE).status_code == 302

    # --- results --------------------------------------------------------------------------
    db.session.expire_all()
    expected = {}
    for name in ("ts1", "ts2", "ts3", "ts4"):
        marks = [weighted_score([(10, 2), (5, 1)], list(points)) for (j, n), points in given.items() if n == name]
        expected[people[name].id] = sum(marks) / len(marks)
    entries = {e.registration_id: e for e in db.session.scalars(select(RoundEntry).where(
        RoundEntry.round_id == round_.id))}
    assert set(entries) == set(expected)
    for registration_id, score in expected.items():
        assert entries[registration_id].score == pytest.approx(score, abs=1e-3)
        assert entries[registration_id].submitted_at is not None
    assert entries[people["ts1"].id].score == pytest.approx((73.3333 + 100) / 2, abs=1e-3)

    board = rounds.leaderboard(round_, full=True)
    order = [row.registration_id for row in board.rows]
    assert order == sorted(expected, key=lambda rid: -expected[rid])
    leaderboard_page = app.test_client().get(f"/contests/{SLUG}/rounds/2/leaderboard").get_data(as_text=True)
    assert HOA in leaderboard_page

    per_registration: dict[int, dict[int, float]] = {}
    for entry in db.session.scalars(select(RoundEntry).where(RoundEntry.score.is_not(None))):
        per_registration.setdefault(entry.registration_id, {})[entry.round_id] = entry.score
    finals = combine_rounds(per_registration, {world["quiz"].id: 1.0, round_.id: 2.0})
    quiz_scores = {e.registration_id: e.score for e in db.session.scalars(
        select(RoundEntry).where(RoundEntry.round_id == world["quiz"].id))}
    for registration_id, score in expected.items():
        assert finals[registration_id] == pytest.approx((quiz_scores[registration_id] + 2 * score) / 3, abs=1e-3)
    assert app.test_client().get(f"/contests/{SLUG}/units?kind=school").status_code == 200

    # Final means final.
    late_score = post_form(judge_b, entry_url + codes["ts1"].code, {f"c_{c1.id}": "1", f"c_{c2.id}": "1"})
    assert late_score.status_code == 200
    assert entries[people["ts1"].id].score == pytest.approx((73.3333 + 100) / 2, abs=1e-3)
    refused = post_form(client, MANAGE + "/config", {"judges_per_entry": "3", "max_upload_mb": "1",
                                                     "accepted_kinds": ["link"]}, page=MANAGE)
    db.session.expire_all()
    assert db.session.get(JudgingConfig, config.id).judges_per_entry == 2

    # --- the audit trail ------------------------------------------------------------------
    actions = [a for (a,) in db.session.execute(select(AuditEvent.action).where(
        AuditEvent.action.like("contest.judging.%")))]
    for action in ("config", "criteria", "judge_add", "submit", "assign", "score", "finalise"):
        assert f"contest.judging.{action}" in actions, action
    assert actions.count("contest.judging.score") == len(given)
    assert actions.count("contest.judging.judge_add") == 3
    config_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contest.judging.config"))
    # The same changes= shape as every other settings change (organise._apply).
    assert config_event.detail == {"changes": {"max_upload_mb": [10, 1]}} and config_event.actor_id is not None


def test_open_judging_shows_names_and_infeasible_assignment_is_explained(world):
    app, round_, people, judges = world["app"], world["round"], world["people"], world["judges"]
    organiser = db.session.scalar(select(RoleAssignment).where(RoleAssignment.role == "organizer")).user
    judging.configure_round(organiser, round_, blind=False, judges_per_entry=2)
    judging.set_criteria(organiser, round_, [judging.CriterionInput("Sáng tạo", 10, 1)])
    judging.add_judge(organiser, world["contest"], judges["gk.a"])
    judging.add_judge(organiser, world["contest"], judges["gk.p"])
    judging.submit_entry(user_of(people["ts1"]), round_, "link", url="https://example.org/video")
    db.session.commit()
    # Only the province judge is free of a conflict for a school A pupil: two are needed.
    with pytest.raises(ServiceError) as info:
        judging.run_assignment(organiser, round_)
    assert submission_for(people["ts1"]).code in str(info.value)
    db.session.rollback()
    judging.add_judge(organiser, world["contest"], judges["gk.b"])
    assert judging.run_assignment(organiser, round_) == 2
    db.session.commit()
    client = app.test_client()
    login(client, "gk.b")
    page = client.get(f"/contests/{SLUG}/rounds/2/judge/{submission_for(people['ts1']).code}").get_data(as_text=True)
    assert HOA in page and "Lớp A1" in page
    # A judge who has scored stays; one who has not can be removed and the seat is refilled.
    judging.remove_judge(organiser, world["contest"], judges["gk.p"])
    db.session.commit()
    assert len(submission_for(people["ts1"]).assignments) == 1
    with pytest.raises(ServiceError):
        judging.run_assignment(organiser, round_)  # gk.a is conflicted, gk.p is gone
    db.session.rollback()


def test_scanner_and_services_refuse_bad_input(world, tmp_path):
    app, round_, people = world["app"], world["round"], world["people"]
    user = user_of(people["ts2"])
    judging.configure_round(None, round_, accepted_kinds=["file", "link"])
    app.config["JUDGING_SCAN_COMMAND"] = "false"
    with pytest.raises(ServiceError):
        judging.submit_entry(user, round_, "file", file=_Upload("a.png", png_bytes()))
    app.config["JUDGING_SCAN_COMMAND"] = "true"
    submission = judging.submit_entry(user, round_, "file", file=_Upload("a.png", png_bytes()))
    assert submission.content_type == "image/png"
    app.config["JUDGING_SCAN_COMMAND"] = None
    assert sorted(p.name for p in judging.upload_dir(round_.id).iterdir()) == [submission.stored_name]
    for bad in ("ftp://example.org/x", "https://", "http://exa mple.org", "data:text/html,hi"):
        with pytest.raises(ServiceError):
            judging.submit_entry(user, round_, "link", url=bad)
    with pytest.raises(ServiceError):
        judging.submit_entry(user, round_, "article", text="Bài viết")  # not accepted in this round
    with pytest.raises(ServiceError):
        judging.submit_entry(user, round_, "file", file=_Upload("empty.png", b""))
    with pytest.raises(ServiceError):
        judging.submit_entry(user, round_, "link", url="https://example.org", now=round_.closes_at)
    with pytest.raises(ServiceError):
        judging.set_criteria(None, round_, [judging.CriterionInput("X", 0, 1)])
    with pytest.raises(ServiceError):
        judging.configure_round(None, round_, judges_per_entry=0)
    with pytest.raises(ServiceError):
        judging.configure_round(None, world["quiz"], blind=False)  # a quiz round is not judged


class _Upload:
    def __init__(self, filename, content):
        self.filename = filename
        self.stream = io.BytesIO(content)
