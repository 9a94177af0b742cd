"""Issue 14, fault 11e: a NUL byte (U+0000) anywhere in a request is refused with a 400 page,
never a 500. PostgreSQL text cannot hold U+0000, so on PostgreSQL every route that put one in a
query failed; the guard is one request-level check, tested on both databases."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login

NUL = "\x00"

ANONYMOUS_GETS = [
    "/courses/?q=a%00b",
    "/verify/AB%00CD",
    "/verify/AB%00CD.json",
    "/register?code=JOIN%00",
    "/contests/x%00/",
    "/ranking/P%00/",
    "/ranking/?month=2026-01%00",
    "/login?next=/%00",
    "/courses/a%00/",
]

SIGNED_IN_GETS = [
    "/admin/users/?q=%00",
    "/admin/users/?org=%00",
    "/admin/orgs/?q=%00",
    "/admin/audit/?actor=%00",
    "/reports/?org=%00",
    "/certificates/admin?q=%00",
]


@pytest.fixture
def nul_app(any_db_app, make_org, make_user):
    org = make_org("P", "Tỉnh P", "province", join_code="JOINPPPP")
    make_user("root", org=org, roles=[("admin", None)])
    return any_db_app


def _refused(response):
    html = response.get_data(as_text=True)
    assert response.status_code == 400, (response.status_code, html[:300])
    return html


@pytest.mark.parametrize("url", ANONYMOUS_GETS)
def test_nul_in_anonymous_urls_is_a_400_page_in_vietnamese(nul_app, url):
    html = _refused(nul_app.test_client().get(url))
    assert "ký tự NUL" in html


def test_nul_in_login_register_and_verify_forms(nul_app):
    client = nul_app.test_client()
    token = csrf_token(client)
    _refused(client.post("/login", data={"csrf_token": token, "username": "root" + NUL, "password": "x"}))
    _refused(client.post("/register", data={"csrf_token": token, "code": "JOIN" + NUL + "PPPP"}))
    _refused(client.post("/verify", data={"csrf_token": token, "c-code": "AB" + NUL}))
    _refused(client.post("/login", data={"csrf_token": token, "user" + NUL: "x"}))
    # A repeated field (quiz answers, checkboxes): a NUL in its second value counts too.
    _refused(client.post("/login", data={"csrf_token": token, "username": ["root", "x" + NUL], "password": "x"}))
    _refused(client.get("/courses/", query_string=[("q", "a"), ("q", "b" + NUL)]))


def test_nul_in_signed_in_pages_and_json(nul_app):
    client = nul_app.test_client()
    login(client, "root")
    for url in SIGNED_IN_GETS:
        _refused(client.get(url))
    response = client.post("/lang", json={"lang": "vi" + NUL}, headers={"X-CSRFToken": csrf_token(client, "/")})
    assert response.status_code == 400


def test_nul_in_the_api_is_a_json_400(nul_app):
    response = nul_app.test_client().get("/api/v1/units/P%00", headers={"Authorization": "Bearer x"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request" and "NUL" in response.get_json()["message"]


def test_ordinary_vietnamese_input_still_works(nul_app):
    response = nul_app.test_client().get("/courses/?q=d%E1%BB%8Bch+v%E1%BB%A5")
    assert response.status_code == 200
