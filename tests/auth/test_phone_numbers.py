"""Issue 15, fault 11: phone numbers, wherever one is typed or imported.

Vietnam's numbering plan since the 2018 renumbering (Decision 798/QĐ-BTTTT): mobile numbers
have 10 digits, 0 then 3, 5, 7, 8 or 9; landlines 11 digits starting 02; 1800/1900 service
numbers. A spreadsheet drops the 0 of 0912345678 and keeps 912345678; +84 / 84 is the
country code. "abc" is not a phone number anywhere."""

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.auth.services import PHONE_RE, parse_phone
from lms.extensions import db
from tests.conftest import login, post_form


@pytest.mark.parametrize(("typed", "stored", "restored"), [
    ("912345678", "0912345678", True),
    ("386001122", "0386001122", True),
    ("0912 345 678", "0912345678", False),
    ("091.234.5678", "0912345678", False),
    ("(024) 3812 3456", "02438123456", False),
    ("+84 912 345 678", "0912345678", False),
    ("+84 (0) 912 345 678", "0912345678", False),
    ("84912345678", "0912345678", False),
    ("0084912345678", "0912345678", False),
    ("+84 24 3812 3456", "02438123456", False),
    ("1800 1096", "18001096", False),
    ("1900 561 588", "1900561588", False),
    ("+33 1 23 45 67 89", "+33123456789", False),
])
def test_valid_numbers_are_stored_in_one_shape(typed, stored, restored):
    assert parse_phone(typed) == (stored, restored)
    assert PHONE_RE.match(stored)


@pytest.mark.parametrize("typed", ["abc", "12345678", "612345678", "2438123456", "091234567", "09123456789",
                                   "+84123", "0912abc678", "++84912345678"])
def test_malformed_numbers_are_refused(typed):
    number, restored = parse_phone(typed)
    assert not restored and not PHONE_RE.match(number)


def test_empty_is_no_number():
    assert parse_phone("") == (None, False) and parse_phone("  - ") == (None, False) and parse_phone(None) == (None, False)


def test_profile_refuses_a_word_and_stores_a_number_given_with_the_country_code(client, sample_tree, make_user):
    make_user("hs.an", org=sample_tree["class_a1"])
    login(client, "hs.an")
    page = post_form(client, "/profile", {"full_name": "An", "email": "", "phone": "abc", "locale": "vi"}).get_data(as_text=True)
    assert "không phải là số điện thoại" in page
    assert db.session.scalar(select(User.phone).where(User.username == "hs.an")) is None
    post_form(client, "/profile", {"full_name": "\u00d0ỗ An", "email": "", "phone": "+84 912 345 678", "locale": "vi"})
    user = db.session.scalar(select(User).where(User.username == "hs.an"))
    assert user.phone == "0912345678" and user.full_name == "Đỗ An" and user.name_search == "do an"


def test_admin_edit_refuses_a_word_as_phone(client, sample_tree, make_user):
    make_user("admin.x", roles=[("admin", None)])
    target = make_user("hs.binh", org=sample_tree["class_a1"])
    login(client, "admin.x")
    page_url, url = f"/admin/users/{target.id}", f"/admin/users/{target.id}/edit"
    form = {"full_name": "Bình", "email": "", "phone": "abc", "org_code": "SA-1", "kind": "student"}
    page = post_form(client, url, form, page=page_url, follow_redirects=True).get_data(as_text=True)
    assert "không phải là số điện thoại" in page
    assert db.session.scalar(select(User.phone).where(User.id == target.id)) is None
    post_form(client, url, {**form, "phone": "912345678"}, page=page_url)
    assert db.session.scalar(select(User.phone).where(User.id == target.id)) == "0912345678"


def test_contest_registration_refuses_a_word_as_phone(app, sample_tree, make_user):
    from lms.contests import services
    from lms.core.errors import ServiceError

    contest = services.create_contest(None, "hoi-thi", "Hội thi", "Thể lệ.", registration_fields={"phone": False})
    contest.status = "open"
    user = make_user("hs.c", org=sample_tree["class_a1"])
    with pytest.raises(ServiceError) as refused:
        services.register(user, contest, services.RegistrationForm(full_name="C", phone="abc"))
    assert refused.value.field == "phone"
    registration = services.register(user, contest, services.RegistrationForm(full_name="\u00d0ào C", phone="912345678"))
    assert registration.phone == "0912345678" and registration.full_name == "Đào C"
