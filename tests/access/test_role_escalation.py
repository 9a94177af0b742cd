"""Fault 1 of issue #14: a unit manager made himself a platform-wide question author.

Question banks belong to no unit, so authoring is a global role that only an admin grants,
and nobody grants or revokes a role to or of himself. Driven through the app, on SQLite and
PostgreSQL (``any_db_app``)."""

from datetime import datetime

import pytest
from sqlalchemy import select

from lms.auth.models import RoleAssignment, User
from lms.contests import organise, services
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from tests.conftest import login, post_form

BANK = "---\ntitle: Vòng tỉnh\nshuffle_questions: false\nshuffle_options: false\n---\n" + "".join(
    f"## Câu {i}\n- [x] Đáp án đúng {i}\n- [ ] Sai {i}\n\n" for i in range(3))


@pytest.fixture
def world(any_db_app, make_org, make_user):
    """A province with one commune (managed by cb.sapa) and a running provincial contest."""
    province = make_org("LC", "Tỉnh Lào Cai", "province")
    commune = make_org("LC-XA-SAPA", "UBND xã Sa Pa", "commune", parent=province)
    manager = make_user("cb.sapa", org=commune, roles=[("manager", commune)])
    colleague = make_user("cb.sapa2", org=commune)
    admin = make_user("admin", roles=[("admin", None)])
    other_admin = make_user("admin2", roles=[("admin", None)])
    contest = services.create_contest(None, "hoi-thi-tinh", "Hội thi cấp tỉnh", scope=province)
    contest.status = "open"
    quiz_services.load_bank("vong-tinh", parse_markdown_bank(BANK))
    organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng tỉnh", kind="quiz", opens_at=datetime(2026, 1, 1), closes_at=datetime(2099, 1, 1),
        bank_slug="vong-tinh", time_limit_minutes=30))
    db.session.commit()
    return {"client": any_db_app.test_client(), "commune": commune, "manager": manager, "colleague": colleague,
            "admin": admin, "other_admin": other_admin}


def roles_of(user_id):
    db.session.expire_all()
    return sorted((r.role, r.org_id) for r in db.session.scalars(
        select(RoleAssignment).where(RoleAssignment.user_id == user_id)))


def test_a_manager_cannot_make_himself_an_author_and_never_reads_a_contest_bank(world):
    client, me = world["client"], world["manager"]
    login(client, "cb.sapa")
    page = f"/admin/users/{me.id}"
    response = post_form(client, f"/admin/users/{me.id}/roles", {"role": "author", "org_code": "LC-XA-SAPA"},
                         page=page, follow_redirects=True)
    assert response.status_code == 200
    assert roles_of(me.id) == [("manager", world["commune"].id)]
    assert client.get("/quizzes/banks/vong-tinh/export.gift").status_code == 404
    assert client.get("/quizzes/banks").status_code == 404


def test_a_manager_cannot_delegate_authoring_even_to_someone_else(world):
    client = world["client"]
    login(client, "cb.sapa")
    other = world["colleague"]
    response = post_form(client, f"/admin/users/{other.id}/roles", {"role": "author", "org_code": "LC-XA-SAPA"},
                         page=f"/admin/users/{other.id}", follow_redirects=True)
    assert roles_of(other.id) == []
    html = response.get_data(as_text=True)
    assert "quản trị" in html  # the refusal says, in Vietnamese, that only an admin grants it
    options = client.get(f"/admin/users/{other.id}").get_data(as_text=True)
    assert 'value="author"' not in options  # not even offered


def test_author_is_global_and_granted_by_an_admin_to_someone_else(world):
    client, colleague = world["client"], world["colleague"]
    login(client, "admin")
    post_form(client, f"/admin/users/{colleague.id}/roles", {"role": "author", "org_code": "LC-XA-SAPA"},
              page=f"/admin/users/{colleague.id}")
    assert roles_of(colleague.id) == []  # an author role on a unit is refused, even from an admin
    post_form(client, f"/admin/users/{colleague.id}/roles", {"role": "author", "org_code": ""},
              page=f"/admin/users/{colleague.id}")
    assert roles_of(colleague.id) == [("author", None)]


def test_nobody_grants_or_revokes_his_own_roles_not_even_an_admin(world):
    client, admin = world["client"], world["admin"]
    login(client, "admin")
    post_form(client, f"/admin/users/{admin.id}/roles", {"role": "author", "org_code": ""},
              page=f"/admin/users/{admin.id}")
    assert roles_of(admin.id) == [("admin", None)]
    own = db.session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == admin.id))
    post_form(client, f"/admin/users/{admin.id}/roles/{own}/revoke", {}, page=f"/admin/users/{admin.id}")
    assert roles_of(admin.id) == [("admin", None)]
    # another admin may
    other = world["other_admin"]
    post_form(client, f"/admin/users/{other.id}/roles", {"role": "author", "org_code": ""},
              page=f"/admin/users/{other.id}")
    assert ("author", None) in roles_of(other.id)


def test_a_stored_unit_author_grant_reaches_no_bank(world):
    """Rows written before the rule (the migration removes them) give no access either."""
    client, colleague = world["client"], world["colleague"]
    db.session.add(RoleAssignment(user_id=colleague.id, role="author", org_id=world["commune"].id))
    db.session.commit()
    login(client, "cb.sapa2")
    assert client.get("/quizzes/banks/vong-tinh/export.gift").status_code == 404


def test_a_manager_cannot_grant_himself_another_unit_role(world):
    client, me = world["client"], world["manager"]
    login(client, "cb.sapa")
    post_form(client, f"/admin/users/{me.id}/roles", {"role": "teacher", "org_code": "LC-XA-SAPA"},
              page=f"/admin/users/{me.id}")
    assert roles_of(me.id) == [("manager", world["commune"].id)]
    assert db.session.scalar(select(User.id).where(User.username == "cb.sapa")) == me.id


def test_the_operator_cli_grants_author_only_globally(world):
    runner = world["client"].application.test_cli_runner()
    colleague = world["colleague"]
    refused = runner.invoke(args=["grant-role", "cb.sapa2", "author", "--org", "LC-XA-SAPA"])
    assert refused.exit_code == 2 and "toàn hệ thống" in refused.output
    assert roles_of(colleague.id) == []
    granted = runner.invoke(args=["grant-role", "cb.sapa2", "author"])
    assert granted.exit_code == 0, granted.output
    assert roles_of(colleague.id) == [("author", None)]
