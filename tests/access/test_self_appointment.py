"""The same kind as fault 1, in the contest pages: an organiser does not appoint himself a
judge (he would score entries of the contest he runs). Through the app, both databases."""

from datetime import timedelta

from sqlalchemy import select

from lms.auth.models import RoleAssignment
from lms.contests import organise, services
from lms.contests.judging_models import ContestJudge
from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.conftest import login, post_form


def test_an_organiser_cannot_appoint_himself_a_judge(any_db_app, sample_tree, make_user):
    contest = services.create_contest(None, "hoi-thi", "Hội thi", scope=sample_tree["province"])
    contest.status = "open"
    now = utcnow()
    organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng sản phẩm", kind="judged", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1)))
    db.session.commit()
    organiser = make_user("btc", org=sample_tree["province"], full_name="Ban Tổ Chức")
    colleague = make_user("gk.a", org=sample_tree["school_a"], full_name="Giám Khảo A")
    db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=contest.id))
    db.session.commit()
    client = any_db_app.test_client()
    login(client, "btc")
    page = "/contests/hoi-thi/rounds/1/judging"
    html = post_form(client, "/contests/hoi-thi/rounds/1/judging/judges", {"username": "btc"}, page=page,
                     follow_redirects=True).get_data(as_text=True)
    judges = set(db.session.scalars(select(ContestJudge.user_id).where(ContestJudge.contest_id == contest.id)))
    assert organiser.id not in judges
    assert "chính mình" in html
    post_form(client, "/contests/hoi-thi/rounds/1/judging/judges", {"username": "gk.a"}, page=page)
    db.session.expire_all()
    judges = set(db.session.scalars(select(ContestJudge.user_id).where(ContestJudge.contest_id == contest.id)))
    assert judges == {colleague.id}
