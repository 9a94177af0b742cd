from tests.conftest import csrf_token


def test_home_is_vietnamese_with_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_language_switch_needs_csrf_and_changes_language(client):
    assert client.post("/lang", data={"lang": "en"}).status_code == 400
    token = csrf_token(client, "/")
    client.post("/lang", data={"lang": "en", "csrf_token": token, "next": "/"})
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
