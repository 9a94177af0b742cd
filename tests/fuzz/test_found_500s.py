"""The 500s the fuzz found (tests/fuzz/test_form_fuzz.py), each kept as a plain test
named after its kind, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.contests.models import ContestRound, RoundEntry
from lms.core.errors import ServiceError
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import create_org
from tests.fuzz.test_form_fuzz import Visitor
from tests.fuzz.world import CONTEST, COURSE

HUGE = "9" * 26  # beyond a PostgreSQL integer, and beyond SQLite's 64-bit one
BEYOND_INT = "2147483648"  # 2**31: the first value a PostgreSQL integer column refuses


def _post(visitor: Visitor, url: str, data: dict):
    return visitor.client.post(url, data={"csrf_token": visitor.token, **data})


def test_a_number_beyond_its_integer_column_is_refused_with_a_message(fuzz_app):
    """A whole number too large for the database (PostgreSQL integer: 2**31 - 1; SQLite:
    2**63 - 1) reached the INSERT/UPDATE and gave a 500.  Every integer a form takes is
    now bounded by the column it lands in, and the page says which field is wrong."""
    organiser, learner, admin = Visitor(fuzz_app, "quanly.sgd"), Visitor(fuzz_app, "hs.an"), Visitor(fuzz_app, "admin")
    base = f"/contests/manage/{CONTEST}/rounds/1"
    for value in (HUGE, BEYOND_INT):
        response = _post(organiser, f"{base}/true-count", {"true_count": value})
        assert response.status_code < 500
        assert db.session.scalar(select(ContestRound.tiebreaker_answer).where(ContestRound.position == 1)) is None

        response = _post(learner, f"/contests/{CONTEST}/rounds/1/start", {"prediction": value})
        assert response.status_code == 302
        assert db.session.scalar(select(RoundEntry.prediction)) is None
        page = learner.client.get(response.headers["Location"]).get_data(as_text=True)
        assert "0" in page and "số" in page.lower()  # "Give a whole number, 0 or more." in Vietnamese

        response = _post(admin, "/admin/orgs/new", {"code": "NEW-1", "name": "Đơn vị mới", "kind": "school",
                                                     "headcount": value})
        assert response.status_code < 500
        assert db.session.scalar(select(Organization).where(Organization.code == "NEW-1")) is None

        for name in ("draw", "time_limit_minutes", "freeze_minutes"):
            response = _post(organiser, base, {"title": "Vòng sơ khảo", "kind": "quiz", "opens_at": "2026-01-01T08:00",
                                               "closes_at": "2026-12-31T08:00", "bank": "ky-nang-tuyen-truyen-vien",
                                               "attempts_allowed": "1", "counting": "best", name: value})
            assert response.status_code == 200, name
            assert f'id="{name}"' in response.get_data(as_text=True)

    teacher = Visitor(fuzz_app, "gv.cva")
    assert teacher.client.get(f"/reports/class/HN-THPT-CVA-11A1?course={HUGE}").status_code == 200
    # An id that cannot exist finds nothing, as an unknown one does.
    assert _post(learner, f"/quizzes/practice/{COURSE}", {"v": HUGE, "answer": "0"}).status_code == 404
    # The service refuses it too, for the command line (lms org-create --headcount).
    with pytest.raises(ServiceError, match="2147483647"):
        create_org("CLI-1", "Đơn vị", "school", headcount=int(BEYOND_INT))


def test_autosave_refuses_json_that_is_not_an_answer(fuzz_app):
    """quiz.js posts {"v": <question version>, "values": [...]}; any other JSON (a list,
    a string, Infinity, a huge number) gave a 500 instead of 400 "Bad answer"."""
    learner = Visitor(fuzz_app, "hs.an")
    url = f"/quizzes/attempts/{fuzz_app.fuzz_world.ids['attempt_id']}/answer"
    for body in ('[1, 2]', '"text"', '3', '{"v": Infinity, "values": []}', '{"v": -Infinity}', '{"v": NaN}',
                 '{"v": 1e400}', f'{{"v": {HUGE}, "values": []}}', '{"v": 1, "values": "abc"}',
                 '{"v": 1, "values": {"a": 1}}'):
        response = learner.client.post(url, data=body, content_type="application/json",
                                       headers={"X-CSRFToken": learner.token})
        assert response.status_code == 400, body
        assert response.get_json()["ok"] is False


def test_roster_confirm_with_a_token_that_cannot_be_ours_is_404(fuzz_app):
    """The confirm token names a file in the instance folder; one of 300 characters (or of
    non-ASCII letters) reached the file system and gave a 500 (file name too long)."""
    admin = Visitor(fuzz_app, "admin")
    for token in ("x" * 300, "ư" * 100, "A" * 23, "..", "a.b"):
        assert _post(admin, f"/admin/roster/confirm/{token}", {}).status_code == 404, token
