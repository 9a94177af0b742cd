"""A class's join code as teachers pass it on: the short link /j/CODE, its QR code, the
poster for a projector or paper, and what an old link says after the code changed; and the
unit picker that replaces typing a unit's code."""

from __future__ import annotations

import re

from lms.extensions import db
from lms.orgs.join import join_link, qr_svg
from lms.orgs.services import regenerate_join_code, unit_picker
from tests.conftest import login, post_form

BASE = "https://hoc.example.vn"


def test_the_short_link_opens_registration_with_the_code_filled_in(client, sample_tree):
    response = client.get("/j/JOINA1XX")
    assert response.status_code == 302 and response.headers["Location"].endswith("/register?code=JOINA1XX")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="JOINA1XX"' in page and "Lớp A1" in page  # "You are joining: Lớp A1"
    # As people copy it from a message: lower case, a dash in the middle.
    assert client.get("/j/joina-1xx").headers["Location"].endswith("/register?code=JOINA1XX")


def test_an_old_or_switched_off_code_says_so(client, sample_tree, make_user):
    make_user("ql.a", org=sample_tree["school_a"], roles=[("manager", sample_tree["school_a"])])
    class_a1 = sample_tree["class_a1"]
    new_code = regenerate_join_code(class_a1)
    db.session.commit()
    response = client.get("/j/JOINA1XX")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "không còn dùng được" in page and "JOINA1XX" in page  # Vietnamese, plainly
    assert 'action="/register"' in page and 'name="code"' in page  # a box for the new code
    assert "Lớp A1" not in page  # an unknown code tells nothing about any unit
    assert client.get(f"/j/{new_code}").status_code == 302
    login(client, "ql.a")
    post_form(client, f"/admin/orgs/{class_a1.id}/join-code", {"action": "disable"}, page=f"/admin/orgs/{class_a1.id}")
    client.post("/logout", data={})
    assert client.get(f"/j/{new_code}").status_code == 404


def test_the_link_uses_the_public_address_never_the_request_host(app, client, sample_tree, make_user):
    app.config["PUBLIC_BASE_URL"] = BASE
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    login(client, "gv.a1")
    page = client.get(f"/admin/orgs/{sample_tree['class_a1'].id}").get_data(as_text=True)
    assert f'href="{BASE}/j/JOINA1XX"' in page
    assert "://localhost" not in page  # the test client's host, which the page must not use
    # The QR code is inline SVG with an accessible name; no image is fetched from anywhere.
    svg = re.search(r"<svg[^>]*>.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<title>" in svg and "Lớp A1" in svg
    assert "<img" not in page and "http://" not in svg and "https://" not in svg.split("</title>")[1]
    # The copy button is wired by a script file (CSP: no inline scripts) and hidden without it.
    assert 'data-copy="join-link"' in page and "js/copy-link.js" in page and "<script>" not in page
    assert f'/admin/orgs/{sample_tree["class_a1"].id}/join-poster' in page


def test_the_poster_has_the_code_qr_and_link_and_no_menus(app, client, sample_tree, make_user):
    app.config["PUBLIC_BASE_URL"] = BASE
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    login(client, "gv.a1")
    response = client.get(f"/admin/orgs/{sample_tree['class_a1'].id}/join-poster")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # One unbroken word: two halves with a gap read as two codes at 360 px ("LOP1 1A1X").
    assert '<p class="poster-code">JOINA1XX</p>' in page
    assert "hoc.example.vn<wbr>/j/JOINA1XX" in page
    assert page.count("<svg") == 1 and "Trường A" in page  # the QR code, and the school
    assert "site-header" not in page and "nav-more" not in page  # no menus on the projector
    assert "css/join.css" in page
    # Another class's poster is not the teacher's; a unit without a code sends back with a message.
    assert client.get(f"/admin/orgs/{sample_tree['class_b1'].id}/join-poster").status_code == 404
    sample_tree["class_a1"].join_code = None
    db.session.commit()
    response = client.get(f"/admin/orgs/{sample_tree['class_a1'].id}/join-poster")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/orgs/{sample_tree['class_a1'].id}")


def test_join_link_and_qr_code(app, sample_tree):
    app.config["PUBLIC_BASE_URL"] = BASE + "/"
    with app.test_request_context():
        assert join_link("JOINA1XX") == f"{BASE}/j/JOINA1XX"
    svg = qr_svg(f"{BASE}/j/JOINA1XX", "Mã QR <lớp> & tên")
    assert svg.startswith('<svg role="img" focusable="false" viewBox="0 0 ')
    assert "<title>Mã QR &lt;lớp&gt; &amp; tên</title>" in svg  # the title is escaped
    assert 'fill="#fff"' in svg  # a white quiet zone, for dark slides
    assert "width=" not in svg.split(">")[0]  # scales with its box


# --- the unit picker -----------------------------------------------------------------------------


def test_the_picker_offers_the_units_of_the_scope_only(app, sample_tree, make_org):
    make_org("SA-10", "Lớp A10", "class", parent=sample_tree["school_a"])
    make_org("SA-2", "Lớp A2", "class", parent=sample_tree["school_a"])
    school_a = sample_tree["school_a"]
    classes = unit_picker([school_a.path], kinds=("class",))
    assert classes.groups == [("Trường A", [("SA-1", "Lớp A1"), ("SA-2", "Lớp A2"), ("SA-10", "Lớp A10")])]
    everything = unit_picker(None, kinds=("class",))
    assert [label for label, _options in everything.groups] == ["Trường A", "Trường B"]
    # Every unit: tree order, indented under its parent.
    tree = unit_picker([school_a.path])
    assert [code for code, _name in tree.groups[0][1]] == ["SA", "SA-1", "SA-2", "SA-10"]
    assert tree.groups[0][1][1][1] == "\u00a0\u00a0Lớp A1"
    assert unit_picker([]).groups == [] and len(unit_picker([])) == 0
    # Too many to list: the page asks for a code instead.
    assert unit_picker(None, limit=3).too_many


def test_pages_offer_the_picker_instead_of_a_code_box(client, sample_tree, make_user):
    make_user("ql.a", org=sample_tree["school_a"], roles=[("manager", sample_tree["school_a"])])
    login(client, "ql.a")
    people = client.get("/admin/users/").get_data(as_text=True)
    assert re.search(r'<select id="org" name="org"><option value="">[^<]+</option><option value="SA"', people)
    assert 'value="SB"' not in people
    slips = client.get("/admin/users/login-slips?org=SA-1").get_data(as_text=True)
    assert re.search(r'<select id="org_code" name="org_code" required>', slips)
    assert '<option value="SA-1" selected>' in slips
    # Sent without a unit: the list again, with the error tied to it.
    response = post_form(client, "/admin/users/login-slips", {"org_code": ""}, page="/admin/users/login-slips")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<select id="org_code" name="org_code" required aria-describedby="org_code-error" '
                     r'aria-invalid="true">', page)
    assert 'id="org_code-error"' in page


def test_a_class_page_leads_to_its_progress_and_list(client, sample_tree, make_user):
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    login(client, "gv.a1")
    page = client.get(f"/admin/orgs/{sample_tree['class_a1'].id}").get_data(as_text=True)
    assert 'href="/reports/class/SA-1"' in page and 'href="/reports/class/SA-1/list"' in page
    assert "Tiến độ của lớp" in page
