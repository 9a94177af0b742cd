"""The /api/v1 JSON API: token authentication, scope, audit, pagination, and the
OpenAPI document checked against real responses."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml
from flask import current_app
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import RoleAssignment
from lms.core.timeutil import utcnow
from lms.courses.models import Assignment, Course, Enrollment
from lms.extensions import db
from lms.reports import tokens

SITE = "https://hoc.example.vn"
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


def build_world(make_org, make_user):
    """Province P > school SA > class SA-1 (learner An, completed) and school SB > class
    SB-1 (learner Bình, failed the quiz); the course is assigned to the province.  The
    site's public address is set, as xAPI statements need it."""
    current_app.config["PUBLIC_BASE_URL"] = current_app.config.get("PUBLIC_BASE_URL") or SITE
    province = make_org("P", "Tỉnh Mẫu", "province", headcount=1000)
    school_a = make_org("SA", "Trường A", "school", parent=province, headcount=100)
    class_a1 = make_org("SA-1", "Lớp A1", "class", parent=school_a, headcount=30)
    school_b = make_org("SB", "Trường B", "school", parent=province, headcount=80)
    class_b1 = make_org("SB-1", "Lớp B1", "class", parent=school_b, headcount=25)
    course = Course(slug="dvc", title="Dịch vụ công trực tuyến", summary="Nộp hồ sơ", audience=",citizen,student,",
                    lesson_count=2, quiz_slug="dvc", pass_score=70, certificate=True)
    other = Course(slug="vneid", title="Tài khoản VNeID", lesson_count=3)
    db.session.add_all([course, other])
    db.session.flush()
    db.session.add(Assignment(course_id=course.id, org_id=province.id))
    db.session.commit()
    an = make_user("an.nguyen", org=class_a1, full_name="Nguyễn Văn An", kind="student")
    binh = make_user("binh.tran", org=class_b1, full_name="Trần Thị Bình", kind="student")
    extra = make_user("cuong.le", org=class_a1, full_name="Lê Văn Cường", kind="student")
    now = utcnow()
    db.session.add_all([
        Enrollment(user_id=an.id, course_id=course.id, started_at=now - timedelta(days=3),
                   completed_at=now - timedelta(days=1), score=90.0, quiz_score=90.0),
        Enrollment(user_id=an.id, course_id=other.id, started_at=now - timedelta(days=2)),
        Enrollment(user_id=binh.id, course_id=course.id, started_at=now - timedelta(days=2), quiz_score=40.0),
        Enrollment(user_id=extra.id, course_id=other.id, started_at=now - timedelta(days=1)),
    ])
    db.session.commit()
    people = {
        "admin": make_user("admin1", roles=[("admin", None)]),
        "manager_a": make_user("manager.a", org=school_a, roles=[("manager", school_a)]),
        "manager_b": make_user("manager.b", org=school_b, roles=[("manager", school_b)]),
    }
    return {"province": province, "school_a": school_a, "class_a1": class_a1, "school_b": school_b,
            "class_b1": class_b1, "course": course, "an": an, "binh": binh, **people}


@pytest.fixture
def world(app, make_org, make_user):
    return build_world(make_org, make_user)


def bearer(owner, org, name="dash", **kwargs) -> dict:
    _, secret = tokens.create_token(owner, org, name, **kwargs)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


# --- OpenAPI helpers -----------------------------------------------------------------------


def response_schema(spec, path: str, status: int) -> dict:
    operation = spec["paths"][path]["get"]
    response = operation["responses"][str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def validate(spec, path: str, response) -> dict:
    """Validate a real response body against the documented schema for its status."""
    assert response.is_json, response.get_data(as_text=True)[:500]
    body = response.get_json()
    schema = {**response_schema(spec, path, response.status_code), "components": spec["components"]}
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(body)
    return body


def test_every_api_route_is_documented_and_nothing_else(app, spec):
    documented = {(path, method) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api_v1."):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
            routed |= {(path, m.lower()) for m in rule.methods if m not in ("HEAD", "OPTIONS")}
    assert routed == documented
    jsonschema.Draft202012Validator.check_schema({"components": spec["components"]})
    assert spec["openapi"].startswith("3.1")


def test_responses_match_the_openapi_document(client, world, spec):
    headers = bearer(world["admin"], world["province"])
    validate(spec, "/courses", client.get("/api/v1/courses", headers=headers))
    body = validate(spec, "/orgs/{code}/completion", client.get("/api/v1/orgs/P/completion", headers=headers))
    assert [c["org"]["code"] for c in body["children"]] == ["SA", "SB"]
    filtered = client.get("/api/v1/orgs/P/completion?course=dvc&audience=student&since=2020-01-01&until=2099-12-31",
                          headers=headers)
    assert validate(spec, "/orgs/{code}/completion", filtered)["filter"]["course"] == "dvc"
    body = validate(spec, "/orgs/{code}/completion/rows",
                    client.get("/api/v1/orgs/P/completion/rows", headers=headers))
    assert body["rows"] and body["next_cursor"] is None
    xapi = client.get("/api/v1/orgs/P/xapi", headers=headers)
    assert xapi.headers["X-Experience-API-Version"] == "1.0.3"
    assert validate(spec, "/orgs/{code}/xapi", xapi)["statements"]
    # Error bodies are documented too.
    validate(spec, "/orgs/{code}/completion", client.get("/api/v1/orgs/NOPE/completion", headers=headers))
    validate(spec, "/orgs/{code}/completion", client.get("/api/v1/orgs/P/completion?since=yesterday",
                                                          headers=headers))
    validate(spec, "/courses", client.get("/api/v1/courses"))


def test_completion_totals_roll_up(client, world):
    body = client.get("/api/v1/orgs/P/completion", headers=bearer(world["admin"], None)).get_json()
    totals = body["totals"]
    assert totals["learners"] == 5  # the three learners and the two school managers
    assert totals["completed"] == 1
    children = {c["org"]["code"]: c["totals"] for c in body["children"]}
    assert children["SA"]["completed"] == 1 and children["SB"]["completed"] == 0
    assert children["SA"]["learners"] + children["SB"]["learners"] == totals["learners"]


@pytest.mark.parametrize("endpoint", ["completion", "completion/rows", "xapi"])
def test_token_of_school_a_cannot_read_school_b(any_db_app, make_org, make_user, endpoint):
    world = build_world(make_org, make_user)
    client = any_db_app.test_client()
    headers = bearer(world["manager_a"], world["school_a"])
    assert client.get(f"/api/v1/orgs/SA/{endpoint}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/orgs/SA-1/{endpoint}", headers=headers).status_code == 200
    outside = [client.get(f"/api/v1/orgs/{code}/{endpoint}", headers=headers) for code in ("SB", "SB-1", "P")]
    unknown = client.get(f"/api/v1/orgs/NOPE/{endpoint}", headers=headers)
    for response in outside:
        assert response.status_code == 404
        # Not even a different message: another school's existence stays hidden.
        assert response.get_json() == unknown.get_json()
        assert "Trường B" not in response.get_data(as_text=True)
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.denied")).all()
    assert {e.detail["org_code"] for e in denied} == {"SB", "SB-1", "P"}


def test_rows_never_leak_other_schools(client, world):
    body = client.get("/api/v1/orgs/SA/completion/rows", headers=bearer(world["manager_a"], world["school_a"])).get_json()
    names = {r["full_name"] for r in body["rows"]}
    assert "Nguyễn Văn An" in names and "Trần Thị Bình" not in names
    assert {r["org_code"] for r in body["rows"]} <= {"SA", "SA-1"}


def test_authentication_failures_are_401(client, world):
    assert client.get("/api/v1/courses").status_code == 401
    response = client.get("/api/v1/courses", headers={"Authorization": "Bearer not-a-real-token-at-all"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"] == "unauthorized"
    assert client.get("/api/v1/courses", headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code == 401

    token, secret = tokens.create_token(world["manager_a"], world["school_a"], "revoked")
    db.session.commit()
    tokens.revoke_token(world["admin"], token)
    db.session.commit()
    assert client.get("/api/v1/courses", headers={"Authorization": f"Bearer {secret}"}).status_code == 401

    expiring, secret = tokens.create_token(world["manager_a"], world["school_a"], "expired",
                                           expires=utcnow() + timedelta(hours=1))
    expiring.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/courses", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_demoted_owner_token_stops_working(any_db_app, make_org, make_user):
    world = build_world(make_org, make_user)
    client = any_db_app.test_client()
    headers = bearer(world["manager_a"], world["school_a"])
    assert client.get("/api/v1/orgs/SA/completion", headers=headers).status_code == 200
    db.session.execute(RoleAssignment.__table__.delete().where(RoleAssignment.user_id == world["manager_a"].id))
    db.session.commit()
    assert client.get("/api/v1/orgs/SA/completion", headers=headers).status_code == 401
    headers_b = bearer(world["manager_b"], world["school_b"])
    user = world["manager_b"]
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/orgs/SB/completion", headers=headers_b).status_code == 401


def test_every_read_is_audited_with_owner_scope_and_token(client, world):
    token, secret = tokens.create_token(world["manager_a"], world["school_a"], "dash")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    for url in ("/api/v1/courses", "/api/v1/orgs/SA/completion", "/api/v1/orgs/SA-1/completion/rows",
                "/api/v1/orgs/SA/xapi"):
        assert client.get(url, headers=headers).status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.read")
                                .order_by(AuditEvent.id)).all()
    assert [e.detail["endpoint"] for e in events] == ["courses", "completion", "completion.rows", "xapi"]
    assert {e.actor_id for e in events} == {world["manager_a"].id}
    assert {e.detail["token"] for e in events} == {token.prefix}
    assert [e.detail["scope"] for e in events] == ["SA", "SA", "SA-1", "SA"]
    assert events[2].org_id == world["class_a1"].id
    assert all(isinstance(e.at, datetime) for e in events)
    db.session.expire_all()
    assert db.session.get(type(token), token.id).last_used_at is not None


def test_rows_paginate_with_a_cursor(client, world):
    headers = bearer(world["admin"], None)
    everything = client.get("/api/v1/orgs/P/completion/rows", headers=headers).get_json()["rows"]
    assert len(everything) >= 3
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/orgs/P/completion/rows?limit=1" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        seen.extend(body["rows"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == everything and pages == len(everything)
    for bad in ("cursor=%%%", "cursor=bm9wZQ", "limit=0", "limit=99999", "limit=abc"):
        response = client.get(f"/api/v1/orgs/P/completion/rows?{bad}", headers=headers)
        assert response.status_code == 400, bad
        assert response.get_json()["error"] == "bad_request"


def test_xapi_pages_link_with_more(client, world):
    headers = bearer(world["admin"], None)
    body = client.get("/api/v1/orgs/P/xapi?limit=1", headers=headers).get_json()
    assert body["more"].startswith("/api/v1/orgs/P/xapi?")
    following = client.get(body["more"], headers=headers).get_json()
    ids = {s["id"] for s in body["statements"]}
    assert ids.isdisjoint(s["id"] for s in following["statements"])


def test_bad_filters_are_400(client, world):
    headers = bearer(world["admin"], None)
    for query in ("course=nope", "audience=robot", "since=2025-13-01", "since=2025-02-01&until=2025-01-01"):
        response = client.get(f"/api/v1/orgs/P/completion?{query}", headers=headers)
        assert response.status_code == 400, query


def test_rate_limit_is_per_token(app, client, world):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    first, second = bearer(world["admin"], None, "one"), bearer(world["admin"], None, "two")
    assert [client.get("/api/v1/courses", headers=first).status_code for _ in range(3)] == [200, 200, 429]
    limited = client.get("/api/v1/courses", headers=first)
    assert limited.get_json()["error"] == "rate_limited"
    assert client.get("/api/v1/courses", headers=second).status_code == 200


def test_api_sets_no_cookie_and_needs_no_csrf(client, world):
    response = client.get("/api/v1/courses", headers=bearer(world["admin"], None))
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json()["courses"][0]["slug"] == "dvc"
