"""A second way a student became a civil servant (issue 18, tester of fault 2): the new-person
form, the edit form and the roster import give the kind the unit implies, as /register does
(lms.auth.services.kind_in_unit); the unit is chosen from a list. And people of one class are
listed and slipped by given name (tên), as on paper."""

import re

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.auth.services import kind_in_unit
from lms.extensions import db
from lms.orgs.models import Organization
from lms.roster.parsing import parse_roster
from lms.roster.services import apply_plan, plan_import
from tests.conftest import login, post_form


def _kind(username):
    return db.session.scalar(select(User.kind).where(User.username == username))


@pytest.mark.parametrize("org_kind,chosen,current,expected", [
    ("class", None, None, "student"),                # no choice: the unit's kind
    ("class", "", "citizen", "student"),
    ("school", "civil_servant", None, "civil_servant"),  # a choice stands (a teacher listed in a school)
    ("commune", None, "student", "civil_servant"),
    ("other", "citizen", "student", "citizen"),      # a unit that implies nothing: the choice
    ("other", None, "student", "student"),           # ... else what the account had
    ("other", None, None, "citizen"),
])
def test_the_unit_settles_the_kind(org_kind, chosen, current, expected):
    assert kind_in_unit(Organization(kind=org_kind), chosen, current) == expected


def _teacher(sample_tree, make_user):
    return make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])


def test_a_teacher_adds_a_student_to_their_only_class_from_a_list(client, sample_tree, make_user):
    _teacher(sample_tree, make_user)
    login(client, "gv.a1")
    page = client.get("/admin/users/new").get_data(as_text=True)
    # A list, not a code box, with the teacher's only class chosen and the kind left to the unit.
    assert re.search(r'<select id="org_code" name="org_code"[^>]*>', page)
    assert '<option value="SA-1" selected>Lớp A1</option>' in page
    assert '<option selected value="">Theo đơn vị</option>' in page
    response = post_form(client, "/admin/users/new", {"full_name": "Phạm Thu Trang", "username": "pham.trang",
                                                      "org_code": "SA-1", "kind": ""}, page="/admin/users/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    assert _kind("pham.trang") == "student"
    # A kind chosen on purpose stands: a teaching assistant added to the class.
    post_form(client, "/admin/users/new", {"full_name": "Lê Thị Hà", "username": "le.ha", "org_code": "SA-1",
                                           "kind": "civil_servant"}, page="/admin/users/new")
    assert _kind("le.ha") == "civil_servant"


def test_moving_into_a_class_makes_a_student_and_a_kind_alone_is_a_correction(client, sample_tree, make_org,
                                                                            make_user):
    make_user("admin", roles=[("admin", None)])
    club = make_org("CLB", "Câu lạc bộ", "other")
    person = make_user("le.minh", org=club, full_name="Lê Văn Minh", kind="civil_servant")
    login(client, "admin")
    page = f"/admin/users/{person.id}"
    assert re.search(r'<select id="org_code" name="org_code"', client.get(page).get_data(as_text=True))
    fields = {"full_name": "Lê Văn Minh", "org_code": "SA-1", "kind": ""}
    assert post_form(client, f"{page}/edit", fields, page=page).status_code == 302
    assert _kind("le.minh") == "student"
    # A kind chosen stands (a teacher listed in a class).
    fields["kind"] = "civil_servant"
    assert post_form(client, f"{page}/edit", fields, page=page).status_code == 302
    assert _kind("le.minh") == "civil_servant"


def _import(text, sample_tree):
    plan = plan_import(parse_roster("lop.csv", text.encode("utf-8")), None)
    assert not plan.issues, plan.issues
    apply_plan(plan, None)
    db.session.commit()
    return plan


def test_a_roster_row_of_a_class_makes_a_student_with_or_without_a_kind(app, sample_tree, make_org, make_user):
    make_org("CLB", "Câu lạc bộ", "other")
    make_user("le.minh", org=sample_tree["school_b"], full_name="Lê Văn Minh", kind="citizen")
    _import("Họ và tên,Tên đăng nhập,Mã đơn vị,Đối tượng\n"
                   "Phạm Thu Trang,pham.trang,SA-1,\n"
                   "Đỗ Văn Hùng,do.hung,SA-1,cán bộ\n"
                   "Lê Văn Minh,le.minh,SA-1,\n"
                   "Vũ Thị Lan,vu.lan,CLB,cán bộ\n", sample_tree)
    # An empty kind takes the unit's; a kind in the file stands (a school's staff list).
    assert [_kind(u) for u in ("pham.trang", "do.hung", "le.minh", "vu.lan")] == \
        ["student", "civil_servant", "student", "civil_servant"]
    # Staying in the class, an explicit kind corrects the account.
    _import("Họ và tên,Tên đăng nhập,Mã đơn vị,Đối tượng\nĐỗ Văn Hùng,do.hung,SA-1,học sinh\n", sample_tree)
    assert _kind("do.hung") == "student"


NAMES = ("Trần Văn An", "Nguyễn Thị Bình", "Lê Văn An", "Bùi Thị Ánh", "Đặng Văn Cường")
GIVEN_ORDER = ["Lê Văn An", "Trần Văn An", "Bùi Thị Ánh", "Nguyễn Thị Bình", "Đặng Văn Cường"]


def _order(html):
    found = sorted((html.find(n), n) for n in NAMES if n in html)
    return [n for _pos, n in found]


def test_login_slips_and_a_class_list_go_by_given_name(client, sample_tree, make_user):
    _teacher(sample_tree, make_user)
    for n, name in enumerate(NAMES):
        make_user(f"hs{n}", org=sample_tree["class_a1"], full_name=name, kind="student", password=None)
    db.session.commit()
    login(client, "gv.a1")
    preview = post_form(client, "/admin/users/login-slips", {"org_code": "SA-1"},
                        page="/admin/users/login-slips").get_data(as_text=True)
    assert _order(preview) == GIVEN_ORDER
    printed = post_form(client, "/admin/users/login-slips", {"org_code": "SA-1", "confirm": "yes"},
                        page="/admin/users/login-slips").get_data(as_text=True)
    assert _order(printed) == GIVEN_ORDER
    assert _order(client.get("/admin/users/?org=SA-1").get_data(as_text=True)) == GIVEN_ORDER
