"""A full name made only of zero-width spaces was accepted at registration and showed as a
blank row in class views and user lists (found by a tester). Names keep their letters and
lose invisible characters (zero-width space, BOM, bidi overrides); a name with no letter is
refused, at registration, in a roster and in a contest registration."""

from sqlalchemy import select

from lms.auth.models import User
from lms.core.text import has_letters, nfc
from lms.extensions import db
from tests.conftest import post_form


def test_invisible_characters_are_dropped_and_letters_required():
    assert nfc("Nguy\u200bễn\u202e Văn\ufeff A") == "Nguyễn Văn A"
    assert not has_letters(nfc("\u200b\u200b\u200b")) and not has_letters(nfc("- . -"))
    assert has_letters("Hờ A Dơ") and has_letters("H'Hen Niê")


def test_registration_refuses_a_name_of_zero_width_spaces(client, make_org):
    make_org("L1", "Lớp 1", "class", join_code="JOINL1XX")
    db.session.commit()
    response = post_form(client, "/register?code=JOINL1XX",
                         {"join_code": "JOINL1XX", "full_name": "\u200b\u200b\u200b", "username": "hs.vohinh",
                          "kind": "student", "password": "Rat-kho-doan-981", "confirm": "Rat-kho-doan-981"})
    assert "Cần nhập họ và tên" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "hs.vohinh")) is None


def test_roster_refuses_a_name_without_letters(app, make_org):
    from lms.roster.parsing import parse_roster
    from lms.roster.services import plan_import

    org = make_org("L2", "Lớp 2", "class")
    db.session.commit()
    data = "Họ và tên,Mã đơn vị\r\n\u200b\u200b,L2\r\nNguyễn\u200b An,L2\r\n".encode()
    rows = parse_roster("ds.csv", data)
    plan = plan_import(rows, None, default_org=org)
    assert [i.row for i in plan.issues] == [2]
    assert [r.values["full_name"] for r in plan.rows] == ["Nguyễn An"]
