"""Issue 14, fault 11d: a date far outside any plausible period (``until=9999-12-31``, year 1)
is a named error everywhere a date is typed: 400 {error, message} on the API (as
docs/openapi.yaml promises), a message on the field on pages, exit code 2 in the CLI; never a
500 from ``date.max + 1 day`` or an out-of-range timestamp. The accepted range is
2000-01-01..2100-12-31 (lms.core.timeutil)."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.reports import tokens
from tests.conftest import login, post_form
from tests.reports.test_api import build_world

FAR = ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"]


@pytest.fixture
def world(any_db_app, make_org, make_user):
    return build_world(make_org, make_user)


@pytest.mark.parametrize("param", ["since", "until"])
def test_api_answers_400_with_the_documented_shape(any_db_app, world, param):
    _, secret = tokens.create_token(world["admin"], None, "dash")
    db.session.commit()
    client = any_db_app.test_client()
    for value in FAR:
        for path in ("/api/v1/orgs/P/completion", "/api/v1/orgs/P/completion/rows", "/api/v1/orgs/P/xapi"):
            response = client.get(f"{path}?{param}={value}", headers={"Authorization": f"Bearer {secret}"})
            assert response.status_code == 400, (path, value, response.status_code)
            body = response.get_json()
            assert body["error"] == "bad_request" and param in body["message"] and "2100-12-31" in body["message"]
    ok = client.get(f"/api/v1/orgs/P/completion?{param}=2100-12-31", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200


def test_report_pages_show_a_field_error(any_db_app, world):
    client = any_db_app.test_client()
    login(client, "admin1")
    for value in FAR:
        for page in ("/reports/org/P", "/reports/class/SA-1", "/reports/"):
            response = client.get(f"{page}?since={value}&until={value}")
            assert response.status_code in (200, 302), (page, value, response.status_code)
            if response.status_code == 200 and page == "/reports/org/P":  # the page with date filters
                assert "2100" in response.get_data(as_text=True), (page, value)
        for export in ("/reports/org/P/export.csv", "/reports/org/P/export.xlsx"):
            response = client.get(f"{export}?until={value}")
            assert response.status_code in (200, 400), (export, value, response.status_code)


def test_audit_page_and_export_show_a_message(any_db_app, world):
    client = any_db_app.test_client()
    login(client, "admin1")
    for value in FAR:
        response = client.get(f"/admin/audit/?until={value}&since={value}")
        assert response.status_code == 200, value
        assert "2100-12-31" in response.get_data(as_text=True)
        assert client.get(f"/admin/audit/export.csv?until={value}").status_code in (200, 400)


def test_token_expiry_far_away_is_a_field_error(any_db_app, world):
    client = any_db_app.test_client()
    login(client, "admin1")
    response = post_form(client, "/admin/api-tokens/", {"name": "x", "org_code": "P", "expires_on": "9999-12-31"},
                         page="/admin/api-tokens/")
    assert response.status_code == 400  # the form again, as for any refused field
    assert "2100-12-31" in response.get_data(as_text=True)


@pytest.mark.parametrize("command", ["export-completion", "export-xapi"])
def test_cli_refuses_far_dates(any_db_app, world, command, tmp_path):
    for option in ("--since", "--until"):
        result = any_db_app.test_cli_runner().invoke(args=[command, "--org", "P", option, "9999-12-31",
                                                    "-o", str(tmp_path / "out")])
        assert result.exit_code == 2, result.output
        assert "2100-12-31" in result.output


def test_day_helpers_never_overflow():
    from datetime import date

    from lms.core.timeutil import LAST_DAY, next_day, parse_day

    assert parse_day("2026-02-03") == date(2026, 2, 3)
    for bad in ("9999-12-31", "0001-01-01", "2026-13-01", "x", ""):
        with pytest.raises(ValueError):
            parse_day(bad)
    assert next_day(date.max) == date.max and next_day(LAST_DAY) == date(2101, 1, 1)
