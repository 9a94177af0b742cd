"""Who reshapes the unit tree (issue 18, fault 7): the user guide gives creating, editing and
moving units to managers (merging and top-level units to admins); a teacher sees their class
and its join code, and the rest is neither shown nor accepted (403)."""

import pytest
from sqlalchemy import func, select

from lms.access import rules
from lms.extensions import db
from lms.orgs.models import Organization
from tests.conftest import login, post_form


def test_the_structure_rule_is_for_managers_and_admins():
    assert rules.can_restructure_units([("admin", None)])
    assert rules.can_restructure_units([("manager", "/1/")])
    assert not rules.can_restructure_units([("teacher", "/1/2/")])
    assert rules.can_restructure_unit([("manager", "/1/")], "/1/2/")
    assert not rules.can_restructure_unit([("manager", "/1/")], "/3/")
    # A teacher of a class under the school he manages elsewhere gains nothing from teaching.
    assert not rules.can_restructure_unit([("teacher", "/1/2/"), ("manager", "/3/")], "/1/2/")


@pytest.fixture
def teacher(client, sample_tree, make_user):
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    login(client, "gv.a1")
    return sample_tree["class_a1"]


def _units():
    return db.session.scalar(select(func.count(Organization.id)))


def test_a_teacher_sees_the_class_and_its_join_code_but_no_structure_buttons(client, teacher):
    page = client.get(f"/admin/orgs/{teacher.id}").get_data(as_text=True)
    assert "Lớp A1" in page and "JOINA1XX" in page
    assert "Tạo mã tham gia mới" in page  # the join code stays the teacher's (user guide)
    for action in ("children", "edit", "move", "merge"):
        assert f'action="/admin/orgs/{teacher.id}/{action}"' not in page, action
    assert 'action="/admin/orgs/new"' not in client.get("/admin/orgs/").get_data(as_text=True)


def test_a_teacher_gets_403_creating_editing_moving_or_merging(client, teacher, sample_tree):
    before = _units()
    page = f"/admin/orgs/{teacher.id}"
    created = post_form(client, f"/admin/orgs/{teacher.id}/children",
                        {"child-code": "SA-1-N1", "child-name": "Nhóm 1", "child-kind": "other"}, page=page)
    assert created.status_code == 403
    assert post_form(client, "/admin/orgs/new", {"code": "TOP", "name": "Gốc", "kind": "other"},
                     page=page).status_code == 403
    assert post_form(client, f"/admin/orgs/{teacher.id}/edit", {"name": "Lớp đổi tên", "kind": "class"},
                     page=page).status_code == 403
    assert post_form(client, f"/admin/orgs/{teacher.id}/move", {"parent_code": "SB"}, page=page).status_code == 403
    assert post_form(client, f"/admin/orgs/{teacher.id}/merge", {"target_code": "SB-1", "confirm": "yes"},
                     page=page).status_code == 403
    db.session.expire_all()
    unit = db.session.get(Organization, teacher.id)
    assert _units() == before and (unit.name, unit.parent_id, unit.active) == ("Lớp A1", sample_tree["school_a"].id, True)


def test_a_teacher_still_renews_the_join_code(client, teacher):
    response = post_form(client, f"/admin/orgs/{teacher.id}/join-code", {"action": "new"},
                         page=f"/admin/orgs/{teacher.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, teacher.id).join_code not in (None, "JOINA1XX")


def test_a_manager_creates_edits_and_moves_inside_his_school(client, sample_tree, make_user):
    school = sample_tree["school_a"]
    make_user("ql.a", org=school, roles=[("manager", school)])
    login(client, "ql.a")
    page = client.get(f"/admin/orgs/{school.id}").get_data(as_text=True)
    assert f'action="/admin/orgs/{school.id}/children"' in page and f'action="/admin/orgs/{school.id}/edit"' in page
    assert f'action="/admin/orgs/{school.id}/merge"' not in page  # merging is for admins
    created = post_form(client, f"/admin/orgs/{school.id}/children",
                        {"child-code": "SA-2", "child-name": "Lớp A2", "child-kind": "class"},
                        page=f"/admin/orgs/{school.id}")
    assert created.status_code == 302
    a2 = db.session.scalar(select(Organization).where(Organization.code == "SA-2"))
    assert a2.parent_id == school.id
    moved = post_form(client, f"/admin/orgs/{sample_tree['class_a1'].id}/move", {"parent_code": "SA-2"},
                      page=f"/admin/orgs/{school.id}")
    assert moved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, sample_tree["class_a1"].id).parent_id == a2.id
    assert post_form(client, f"/admin/orgs/{school.id}/merge", {"target_code": "SB", "confirm": "yes"},
                     page=f"/admin/orgs/{school.id}").status_code == 404
