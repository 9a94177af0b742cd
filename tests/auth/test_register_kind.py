"""The kind of learner follows the unit of the join code (issue 18, fault 2): a student who types
the class code by hand is stored as a student, not as the form's civil servant, and anyone can
correct the kind later on the profile page."""

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.auth.services import kind_for_unit
from lms.extensions import db
from lms.orgs.models import ORG_KINDS
from tests.conftest import post_form

PASSWORD = "mot cau that dai de nho"


def _register_by_hand(client, code, username, kind):
    """The join code typed into the form on /register (no ?code= in the address)."""
    return post_form(client, "/register", {"join_code": code, "full_name": "Ngô Bảo Châu", "username": username,
                                           "kind": kind, "password": PASSWORD, "confirm": PASSWORD},
                     page="/register")


def _kind(username):
    return db.session.scalar(select(User.kind).where(User.username == username))


@pytest.mark.parametrize("org_kind", ORG_KINDS)
def test_every_unit_kind_implies_a_learner_kind_or_none(org_kind):
    from lms.orgs.models import Organization

    implied = kind_for_unit(Organization(kind=org_kind))
    expected = {"school": "student", "class": "student", "other": None}.get(org_kind, "civil_servant")
    assert implied == expected


@pytest.mark.parametrize("code,chosen,expected", [
    ("joina1xx", "civil_servant", "student"),   # a class code typed by hand, lower case
    ("JOINA1XX", "citizen", "student"),
    ("XAMAU001", "student", "civil_servant"),   # a commune's code
    ("KHAC0001", "student", "student"),         # a unit of kind "other": the person's choice stands
    ("KHAC0001", "citizen", "citizen"),
])
def test_kind_follows_the_unit_of_a_code_typed_by_hand(client, sample_tree, make_org, code, chosen, expected):
    make_org("XA", "UBND xã Mẫu", "commune", parent=sample_tree["province"], join_code="XAMAU001")
    make_org("CLB", "Câu lạc bộ tuyên truyền", "other", join_code="KHAC0001")
    response = _register_by_hand(client, code, "ngo.chau", chosen)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    assert _kind("ngo.chau") == expected


def test_the_form_shows_the_kind_the_code_gives(client, sample_tree, make_org):
    page = client.get("/register?code=JOINA1XX").get_data(as_text=True)
    assert "Tôi là: <strong>Học sinh, sinh viên</strong>" in page and 'name="kind"' not in page
    make_org("CLB", "Câu lạc bộ", "other", join_code="KHAC0001")
    other = client.get("/register?code=KHAC0001").get_data(as_text=True)
    assert 'name="kind"' in other  # nothing implied: the person chooses
    typed = client.get("/register").get_data(as_text=True)
    assert 'name="kind"' in typed and "Mã của trường hoặc lớp sẽ ghi bạn là học sinh" in typed


def test_the_welcome_says_the_kind_and_the_profile_corrects_it(client, sample_tree):
    welcome = _register_by_hand(client, "JOINA1XX", "ngo.chau", "civil_servant")
    home = client.get(welcome.headers["Location"]).get_data(as_text=True)
    assert "Bạn được ghi nhận là: Học sinh, sinh viên" in home
    profile = client.get("/profile").get_data(as_text=True)
    assert '<option selected value="student">' in profile
    saved = post_form(client, "/profile", {"full_name": "Ngô Bảo Châu", "kind": "civil_servant", "locale": "vi"})
    assert saved.status_code == 302
    assert _kind("ngo.chau") == "civil_servant"
