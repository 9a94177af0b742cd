"""The paper of a contest round that has not closed is sealed to other contests' organisers.

Found by the scope matrix (tests/access): the organiser of contest A could set his own round's
question bank to the bank of contest B's open round. His participants would then sit B's paper,
and once his round closed (a time he chooses) their reviews would show B's keys while B's round
is still running. Issue 14: no path may reveal a key of a question of an open contest round to
anyone but that round's organisers and admins.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import RoleAssignment, User
from lms.contests import organise
from lms.contests.models import Contest, ContestRound
from lms.core.errors import ServiceError
from lms.core.timeutil import to_vn, utcnow
from lms.extensions import db
from lms.quizzes.models import QuestionBank
from tests.conftest import login, post_form
from tests.support.world import build_world

ROUND_A1 = "/contests/manage/hoi-thi-a/rounds/1"


@pytest.fixture
def world(any_db_app):
    return build_world(any_db_app)


def _round(slug, position) -> ContestRound:
    contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
    return next(r for r in contest.rounds if r.position == position)


def _form(round_: ContestRound, bank: str) -> dict:
    return {"title": round_.title, "kind": "quiz", "bank": bank, "attempts_allowed": "1", "counting": "best",
            "opens_at": f"{to_vn(round_.opens_at):%Y-%m-%dT%H:%M}", "closes_at": f"{to_vn(round_.closes_at):%Y-%m-%dT%H:%M}",
            "hide_results_until_close": "y", "freeze_minutes": "0", "weight": "1"}


def _settings(round_: ContestRound, bank: str) -> organise.RoundSettings:
    return organise.RoundSettings(title=round_.title, kind="quiz", opens_at=round_.opens_at,
                                  closes_at=round_.closes_at, bank_slug=bank)


def _user(username) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def test_another_contests_organiser_cannot_put_an_open_rounds_paper_in_his_round(world, any_db_app):
    client = any_db_app.test_client()
    login(client, "mx.btca")  # organises contest A only
    round_a = _round("hoi-thi-a", 1)
    own_bank = round_a.bank_id
    page = post_form(client, ROUND_A1, _form(round_a, "hoi-thi-b-de"))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "hoi-thi-b-de" in text and "chưa kết thúc" in text  # the refusal names the bank, in Vietnamese
    db.session.expire_all()
    assert _round("hoi-thi-a", 1).bank_id == own_bank
    # Nor through a new round.
    with pytest.raises(ServiceError) as refused:
        organise.add_round(_user("mx.btca"), db.session.get(Contest, round_a.contest_id),
                           _settings(round_a, "hoi-thi-b-de"))
    assert refused.value.field == "bank"
    db.session.rollback()


def test_the_rounds_own_organisers_and_admins_may_reuse_it_and_anyone_once_it_closed(world, any_db_app):
    round_a = _round("hoi-thi-a", 1)
    bank_b = db.session.scalar(select(QuestionBank.id).where(QuestionBank.slug == "hoi-thi-b-de"))
    organise.update_round(_user("mx.admin"), round_a, _settings(round_a, "hoi-thi-b-de"))
    assert round_a.bank_id == bank_b
    db.session.rollback()

    organiser_of_both = _user("mx.gvab")  # organises contest B
    db.session.add(RoleAssignment(user=organiser_of_both, role="organizer", contest_id=round_a.contest_id))
    db.session.flush()
    organise.update_round(organiser_of_both, round_a, _settings(round_a, "hoi-thi-b-de"))
    assert round_a.bank_id == bank_b
    db.session.rollback()

    round_a = _round("hoi-thi-a", 1)
    _round("hoi-thi-b", 1).closes_at = utcnow() - timedelta(minutes=1)
    organise.update_round(_user("mx.btca"), round_a, _settings(round_a, "hoi-thi-b-de"))
    assert round_a.bank_id == bank_b
    db.session.rollback()
