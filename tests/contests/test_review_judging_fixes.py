"""Judged rounds after the review: reading never writes the settings, refused saves keep what
was typed, removing a judge who scored, the judges-per-entry rule, scoring after the close,
the spread flag, non-finite rubric values and the query counts of finalising and removal."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.contests import judging
from lms.contests.judging_models import ContestJudge, JudgingConfig, Submission, config_defaults
from lms.contests.models import RoundEntry
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.conftest import login, post_form
from tests.contests import test_judging
from tests.contests.test_judging import (
    MANAGE,
    SLUG,
    SUBMIT,
    _Upload,
    png_bytes,
    submission_for,
    user_of,
)

world = test_judging.world  # the judged-round fixture, shared with test_judging
ENTRY = f"/contests/{SLUG}/rounds/2/judge/"


def user(username) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def config_rows() -> int:
    return db.session.scalar(select(func.count(JudgingConfig.id)))


def prepare(world, *, entrants=("ts1", "ts2"), judges=("gk.a", "gk.b", "gk.p"), assign=True):
    """Rubric, judges and link entries while the round is open; the settings are left unsaved."""
    organiser, round_ = user("btc"), world["round"]
    judging.set_criteria(organiser, round_, [judging.CriterionInput("Nội dung", 10, 1),
                                             judging.CriterionInput("Hình thức", 10, 1)])
    for name in judges:
        judging.add_judge(organiser, world["contest"], world["judges"][name])
    for name in entrants:
        judging.submit_entry(user_of(world["people"][name]), round_, "link", url=f"https://example.org/{name}")
    if assign:
        judging.run_assignment(organiser, round_)
    db.session.commit()
    return organiser


def close(round_):
    round_.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def assignment(world, judge, entrant):
    submission = submission_for(world["people"][entrant])
    return next(a for a in submission.assignments if a.judge_id == world["judges"][judge].id)


def score(world, judge, entrant, p1, p2):
    criteria = judging.criteria_of(world["round"])
    judging.record_score(world["judges"][judge], assignment(world, judge, entrant),
                         {criteria[0].id: p1, criteria[1].id: p2})
    db.session.commit()


@contextmanager
def statements():
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def test_reading_pages_never_saves_the_settings(world):
    app, round_ = world["app"], world["round"]
    prepare(world)
    assert config_rows() == 0
    code = submission_for(world["people"]["ts1"]).code
    participant, judge, organiser = app.test_client(), app.test_client(), app.test_client()
    login(participant, "ts1")
    login(judge, "gk.p")
    login(organiser, "btc")
    for client, url in ((participant, SUBMIT), (judge, "/contests/judging"), (judge, ENTRY + code),
                        (organiser, MANAGE)):
        assert client.get(url).status_code == 200, url
    assert config_rows() == 0
    config = judging.get_config(round_)
    assert config not in db.session and config.id is None
    assert {k: getattr(config, k) for k in config_defaults()} == config_defaults()
    db.session.commit()
    assert config_rows() == 0
    judging.configure_round(user("btc"), round_, blind=False)
    db.session.commit()
    saved = db.session.scalar(select(JudgingConfig))
    assert (config_rows(), saved.blind, saved.judges_per_entry) == (1, False, 2)
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contest.judging.config"))
    assert event_.detail == {"changes": {"blind": [True, False]}}


def test_a_refused_save_shows_the_form_again_as_typed(world):
    app = world["app"]
    prepare(world)
    client = app.test_client()
    login(client, "btc")
    refused = post_form(client, MANAGE + "/criteria", {
        "rows-0-name": "Nội dung", "rows-0-max_points": "10", "rows-0-weight": "0",
        "rows-1-name": "Hình thức", "rows-1-max_points": "5", "rows-1-weight": "0",
        "rows-2-name": "Sáng tạo riêng", "rows-2-max_points": "3", "rows-2-weight": "0"}, page=MANAGE)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Cần ít nhất một tiêu chí có trọng số lớn hơn 0." in page
    for typed in ('value="Nội dung"', 'value="Hình thức"', 'value="Sáng tạo riêng"', 'value="3"'):
        assert typed in page, typed
    assert [c.name for c in judging.criteria_of(world["round"])] == ["Nội dung", "Hình thức"]

    # Judges are assigned: lowering the number is refused on its field, the rest kept as typed.
    refused = post_form(client, MANAGE + "/config", {"judges_per_entry": "1", "max_upload_mb": "3",
                                                     "accepted_kinds": ["link"]}, page=MANAGE)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    error = re.search(r'<p class="error" id="judges_per_entry-error">([^<]*)</p>', page)
    assert error and "không thể giảm" in error.group(1)
    assert re.search(r'id="max_upload_mb"[^>]*value="3"', page) or re.search(r'value="3"[^>]*id="max_upload_mb"',
                                                                            page)
    assert config_rows() == 0

    refused = post_form(client, MANAGE + "/judges", {"username": "khong.co.ai"}, page=MANAGE)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'value="khong.co.ai"' in page and 'id="username-error"' in page


def test_judges_per_entry_can_rise_but_not_fall_once_assigned(world):
    round_ = world["round"]
    organiser = prepare(world, entrants=("ts2",), assign=False)
    judging.configure_round(organiser, round_, judges_per_entry=1)
    judging.configure_round(organiser, round_, judges_per_entry=2)  # nobody assigned yet: both ways
    assert judging.run_assignment(organiser, round_) == 2
    db.session.commit()
    with pytest.raises(ServiceError) as info:
        judging.configure_round(organiser, round_, judges_per_entry=1)
    assert info.value.field == "judges_per_entry"
    db.session.rollback()
    judging.add_judge(organiser, world["contest"], _neutral_judge(world))
    judging.configure_round(organiser, round_, judges_per_entry=3)
    assert judging.run_assignment(organiser, round_) == 1  # topped up, nobody moved
    db.session.commit()
    assert len(submission_for(world["people"]["ts2"]).assignments) == 3


def _neutral_judge(world):
    from lms.auth.services import NewUser, create_user

    return create_user(NewUser(username="gk.n", full_name="Giám Khảo Không Đơn Vị", kind="citizen", org=None,
                               password="correct-horse-42"))


def test_judges_score_only_after_the_close_so_entries_stay_replaceable(world):
    app, round_ = world["app"], world["round"]
    prepare(world, entrants=("ts1",))
    code = submission_for(world["people"]["ts1"]).code
    with pytest.raises(ServiceError) as info:
        score(world, "gk.p", "ts1", 8, 8)
    assert judging.scoring_opens(round_) in str(info.value)
    db.session.rollback()
    judge = app.test_client()
    login(judge, "gk.p")
    page = judge.get(ENTRY + code).get_data(as_text=True)
    assert judging.scoring_opens(round_) in page and 'name="c_' not in page
    assert judging.scoring_opens(round_) in judge.get("/contests/judging").get_data(as_text=True)
    # The participant can still replace the entry after judges were assigned.
    participant = app.test_client()
    login(participant, "ts1")
    assert 'enctype="multipart/form-data"' in participant.get(SUBMIT).get_data(as_text=True)
    assert post_form(participant, SUBMIT, {"kind": "link", "url": "https://example.org/v2"}).status_code == 302
    assert submission_for(world["people"]["ts1"]).url == "https://example.org/v2"

    close(round_)
    assert 'name="c_' in judge.get(ENTRY + code).get_data(as_text=True)
    score(world, "gk.p", "ts1", 8, 8)
    assert "Giám khảo đã chấm bài của bạn" in participant.get(SUBMIT).get_data(as_text=True)


def test_removing_a_judge_who_scored_releases_the_rest_and_keeps_the_scores(world):
    app, round_, judges = world["app"], world["round"], world["judges"]
    organiser = prepare(world, entrants=("ts1", "ts3", "ts2"))
    close(round_)
    score(world, "gk.p", "ts1", 9, 9)
    with statements() as seen:
        kept = judging.remove_judge(organiser, world["contest"], judges["gk.p"])
    db.session.commit()
    assert kept == 1
    # The assignments' scores and submissions are loaded together, not one by one.
    assert sum("FROM judge_score" in s for s in seen) == 1
    assert sum(s.startswith("SELECT submission.") for s in seen) == 1
    on = {name: {a.judge_id for a in submission_for(world["people"][name]).assignments}
          for name in ("ts1", "ts3", "ts2")}
    assert judges["gk.p"].id in on["ts1"]  # the scored seat stays
    assert judges["gk.p"].id not in on["ts3"] | on["ts2"]  # the unscored ones are released
    row = db.session.scalar(select(ContestJudge).where(ContestJudge.user_id == judges["gk.p"].id))
    assert row is not None and row.active is False
    event_ = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contest.judging.judge_remove")).one()
    assert event_.detail["released_assignments"] == 2 and event_.detail["kept_scored"] == 1

    client = app.test_client()
    login(client, "btc")
    page = client.get(MANAGE).get_data(as_text=True)
    assert f"/judges/{judges['gk.p'].id}/remove" not in page and f"/judges/{judges['gk.b'].id}/remove" in page
    assert "Đã rút" in page

    judging.add_judge(organiser, world["contest"], _neutral_judge(world))
    assert judging.run_assignment(organiser, round_) == 2
    db.session.commit()
    for name in ("ts3", "ts2"):
        seats = [a.judge_id for a in submission_for(world["people"][name]).assignments]
        assert len(seats) == 2 and judges["gk.p"].id not in seats
    with pytest.raises(ServiceError):
        score(world, "gk.p", "ts1", 1, 1)  # an inactive judge cannot change a score
    db.session.rollback()
    neutral = user("gk.n")
    world["judges"]["gk.n"] = neutral
    for judge, name in (("gk.b", "ts1"), ("gk.b", "ts3"), ("gk.n", "ts3"), ("gk.a", "ts2"), ("gk.n", "ts2")):
        score(world, judge, name, 7, 7)
    assert judging.finalise_round(organiser, round_) == 3
    db.session.commit()
    judging_row = db.session.scalar(select(JudgingConfig))
    assert judging_row is not None and judging_row.finalised_at is not None


def test_judge_readded_after_scoring_is_active_again(world):
    organiser = prepare(world, entrants=("ts1",))
    close(world["round"])
    score(world, "gk.p", "ts1", 5, 5)
    judging.remove_judge(organiser, world["contest"], world["judges"]["gk.p"])
    judging.add_judge(organiser, world["contest"], world["judges"]["gk.p"])
    db.session.commit()
    active = {j.user.username: j.active for j in judging.judges_of(world["contest"])}
    assert active == {"gk.a": True, "gk.b": True, "gk.p": True}
    assert [j.user.username for j in judging.judges_of(world["contest"], active_only=True)] == ["gk.a", "gk.b", "gk.p"]


def test_manage_page_lists_short_entries_and_flags_judges_far_apart(world):
    app, round_, people = world["app"], world["round"], world["people"]
    organiser = prepare(world, entrants=("ts1", "ts2", "ts3", "ts4"), assign=False)
    client = app.test_client()
    login(client, "btc")
    codes = [submission_for(people[name]).code for name in ("ts1", "ts2", "ts3", "ts4")]
    assert f"Bài còn thiếu giám khảo: {', '.join(codes)}." in client.get(MANAGE).get_data(as_text=True)

    judging.run_assignment(organiser, round_)
    db.session.commit()
    close(round_)
    # ts1: gk.b and gk.p, 40 points apart; everyone else agrees.
    score(world, "gk.b", "ts1", 10, 10)
    score(world, "gk.p", "ts1", 6, 6)
    for judge, name in (("gk.b", "ts3"), ("gk.p", "ts3"), ("gk.a", "ts2"), ("gk.p", "ts2"), ("gk.a", "ts4"),
                        ("gk.p", "ts4")):
        score(world, judge, name, 7, 8)
    page = client.get(MANAGE).get_data(as_text=True)
    assert page.count("Điểm của các giám khảo lệch nhau hơn 30 điểm") == 1
    row = re.search(rf"{codes[0]}.*?</tr>", page, re.S).group(0)
    assert "80,0" in row and "40,0" in row and "lệch nhau" in row

    # Finalising reads the round's results in one query and adds only the missing ones.
    existing = RoundEntry(round_id=round_.id, registration_id=people["ts2"].id)
    db.session.add(existing)
    db.session.commit()
    existing_id = existing.id
    with statements() as seen:
        assert judging.finalise_round(organiser, round_) == 4
    db.session.commit()
    assert sum(1 for s in seen if s.lstrip().upper().startswith("SELECT") and "FROM round_entry" in s) == 1
    entries = {e.registration_id: e for e in db.session.scalars(select(RoundEntry).where(
        RoundEntry.round_id == round_.id))}
    assert len(entries) == 4 and entries[people["ts2"].id].id == existing_id
    assert entries[people["ts1"].id].score == pytest.approx(80.0)


def test_non_finite_rubric_values_are_refused(world):
    app, round_ = world["app"], world["round"]
    organiser = prepare(world, entrants=("ts1",))
    for bad in (judging.CriterionInput("Vô hạn", float("inf"), 1), judging.CriterionInput("Vô hạn", 10, float("inf")),
                judging.CriterionInput("Không số", float("nan"), 1)):
        with pytest.raises(ServiceError) as info:
            judging.set_criteria(organiser, round_, [bad])
        assert "Vô hạn" in str(info.value) or "Không số" in str(info.value)
        db.session.rollback()
    client = app.test_client()
    login(client, "btc")
    for value in ("inf", "1e999"):
        refused = post_form(client, MANAGE + "/criteria", {"rows-0-name": "Vô hạn", "rows-0-max_points": value,
                                                           "rows-0-weight": "1"}, page=MANAGE)
        assert refused.status_code == 400, value
    assert [c.name for c in judging.criteria_of(round_)] == ["Nội dung", "Hình thức"]

    close(round_)
    criteria = judging.criteria_of(round_)
    for points in ({criteria[0].id: float("nan"), criteria[1].id: 5}, {criteria[0].id: 5, criteria[1].id: 11},
                   {criteria[0].id: 5, criteria[1].id: float("inf")}, {criteria[0].id: 5}):
        with pytest.raises(ServiceError) as info:
            judging.record_score(world["judges"]["gk.p"], assignment(world, "gk.p", "ts1"), points)
        bad = criteria[0] if points[criteria[0].id] != 5 else criteria[1]
        assert info.value.field == f"c_{bad.id}" and bad.name in str(info.value)
        db.session.rollback()


def test_pages_only_serve_judged_rounds_and_docs_match_the_download_headers(world):
    app, contest = world["app"], world["contest"]
    prepare(world, entrants=(), assign=False)
    judging.configure_round(user("btc"), world["round"], accepted_kinds=["file"])
    submission = judging.submit_entry(user_of(world["people"]["ts1"]), world["round"], "file",
                                      file=_Upload("a.png", png_bytes()))
    db.session.commit()
    participant, organiser = app.test_client(), app.test_client()
    login(participant, "ts1")
    login(organiser, "btc")
    assert participant.get(f"/contests/{SLUG}/rounds/1/submit").status_code == 404  # the quiz round
    assert participant.get(f"/contests/{SLUG}/rounds/9/submit").status_code == 404
    assert organiser.get(f"/contests/{SLUG}/rounds/1/judging").status_code == 404
    header = participant.get(f"/contests/{SLUG}/rounds/2/files/{submission.code}").headers["Content-Security-Policy"]
    docs = (Path(__file__).resolve().parents[2] / "docs" / "judging.md").read_text(encoding="utf-8")
    assert f"`Content-Security-Policy: {header}`" in docs
    contest.status = "draft"
    db.session.commit()
    assert participant.get(SUBMIT).status_code == 404
    assert organiser.get(MANAGE).status_code == 200


def test_infeasible_assignment_names_the_unit(world):
    organiser = prepare(world, entrants=("ts1",), judges=("gk.a", "gk.p"), assign=False)
    with pytest.raises(ServiceError) as info:
        judging.run_assignment(organiser, world["round"])
    assert submission_for(world["people"]["ts1"]).code in str(info.value) and "Lớp A1" in str(info.value)


def test_submission_status_is_gone():
    assert "status" not in Submission.__table__.c
    assert not hasattr(judging, "is_judge")
