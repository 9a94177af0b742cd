"""Review fixes of the /api/v1 API: keyset pagination, JSON errors at every depth, the
xAPI site address, and the token's scope worked out once per request."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jsonschema
import pytest
import yaml

from lms.core.timeutil import utcnow
from lms.courses.models import Assignment, Course, Enrollment
from lms.extensions import db
from lms.reports import api, tokens
from tests.reports.test_api import OPENAPI, SITE, bearer, build_world


@pytest.fixture
def world(app, make_org, make_user):
    return build_world(make_org, make_user)


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


def error_schema(spec) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({**spec["components"]["schemas"]["Error"],
                                            "components": spec["components"]})


def big_world(make_org, make_user):
    """build_world plus a deeper, wider tree: the province gets districts with schools
    and classes, each with a few learners, so pages cross units at every level."""
    world = build_world(make_org, make_user)
    course = world["course"]
    people = []
    for d in range(2):
        district = make_org(f"D{d}", f"Huyện {d}", "district", parent=world["province"])
        people.append(make_user(f"district.{d}", org=district, full_name=f"Cán bộ huyện {d}"))
        for s in range(2):
            school = make_org(f"D{d}S{s}", f"Trường {d}-{s}", "school", parent=district)
            for c in range(2):
                klass = make_org(f"D{d}S{s}C{c}", f"Lớp {d}-{s}-{c}", "class", parent=school)
                for n in range(2):
                    people.append(make_user(f"hs.{d}{s}{c}{n}", org=klass, full_name=f"Học sinh {d}{s}{c}{n}",
                                            kind="student"))
    now = utcnow()
    for index, person in enumerate(people):
        if index % 3 == 0:
            db.session.add(Enrollment(user_id=person.id, course_id=course.id, started_at=now - timedelta(days=2),
                                      completed_at=now - timedelta(days=1), score=80.0))
    db.session.commit()
    return world


def page_through(client, url, headers, limit):
    rows, cursor, pages = [], None, 0
    while True:
        body = client.get(f"{url}?limit={limit}" + (f"&cursor={cursor}" if cursor else ""), headers=headers).get_json()
        rows.extend(body["rows"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return rows, pages


def test_every_page_size_gives_the_full_listing_in_order(any_db_app, make_org, make_user):
    world = big_world(make_org, make_user)
    client = any_db_app.test_client()
    headers = bearer(world["admin"], None)
    for code in ("P", "D1", "SA"):
        url = f"/api/v1/orgs/{code}/completion/rows"
        everything = client.get(url + "?limit=5000", headers=headers).get_json()["rows"]
        assert everything
        for limit in (1, 2, 3, 7):
            rows, pages = page_through(client, url, headers, limit)
            assert rows == everything, (code, limit)  # org paths included: named from the unit asked for
            assert pages == -(-len(everything) // limit)


def test_rows_added_between_pages_neither_repeat_nor_skip(client, world):
    """With offsets, a row added before the position shifted the next page: a row came twice."""
    headers = bearer(world["admin"], None)
    url = "/api/v1/orgs/P/completion/rows"
    before = client.get(url, headers=headers).get_json()["rows"]
    keys = [(r["username"], r["course"]) for r in before]
    first = client.get(url + "?limit=3", headers=headers).get_json()
    # A new learner in school A, whose rows sort before the cursor (in class SA-1).
    from lms.auth.services import NewUser, create_user

    create_user(NewUser(username="moi.den", full_name="Người Mới", kind="student", org=world["school_a"],
                        password="correct-horse-42"))
    db.session.commit()
    rest, cursor = [], first["next_cursor"]
    while cursor:
        body = client.get(url + f"?limit=3&cursor={cursor}", headers=headers).get_json()
        rest.extend(body["rows"])
        cursor = body["next_cursor"]
    seen = [(r["username"], r["course"]) for r in first["rows"] + rest]
    assert len(seen) == len(set(seen))  # nothing twice
    assert set(keys) <= set(seen)  # nothing skipped


def test_a_page_reads_only_what_it_returns(any_db_app, make_org, make_user, monkeypatch):
    """Later pages start at their position instead of streaming every earlier row again."""
    world = big_world(make_org, make_user)
    client = any_db_app.test_client()
    headers = bearer(world["admin"], None)
    url = "/api/v1/orgs/P/completion/rows"
    total = len(client.get(url + "?limit=5000", headers=headers).get_json()["rows"])
    pulled = []
    original = api.completion_rows

    def counting(*args, **kwargs):
        for row in original(*args, **kwargs):
            pulled.append(row)
            yield row

    monkeypatch.setattr(api, "completion_rows", counting)
    rows, pages = page_through(client, url, headers, 3)
    assert len(rows) == total and pages >= 8
    # Each page reads its rows, one to look ahead, and at most the rest of one unit's
    # learners; re-streaming from the start read about total * pages / 2 rows.
    assert len(pulled) <= 2 * total


def test_earlier_offset_cursors_still_work(client, world):
    headers = bearer(world["admin"], None)
    url = "/api/v1/orgs/P/completion/rows"
    everything = client.get(url, headers=headers).get_json()["rows"]
    legacy = base64.urlsafe_b64encode(b"o:1").decode().rstrip("=")
    body = client.get(f"{url}?limit=2&cursor={legacy}", headers=headers).get_json()
    assert body["rows"] == everything[1:3]
    following = client.get(f"{url}?limit=100&cursor={body['next_cursor']}", headers=headers).get_json()
    assert following["rows"] == everything[3:]


def _cursor(path, user_id, sent=None) -> str:
    text = "k:" + json.dumps([path, user_id, sent])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_cursors_cannot_reach_outside_the_unit(client, world, spec):
    headers = bearer(world["manager_a"], world["school_a"])
    url = "/api/v1/orgs/SA/completion/rows"
    school_b = world["school_b"]
    for cursor in (_cursor(school_b.path, 1), _cursor(world["school_a"].path + "999999/", 1),
                   _cursor("not-a-path", 1), _cursor(world["school_a"].path, "1")):
        response = client.get(f"{url}?cursor={cursor}", headers=headers)
        assert response.status_code == 400, cursor
        error_schema(spec).validate(response.get_json())
        assert "Trường B" not in response.get_data(as_text=True)


def test_routing_errors_under_api_are_json_errors(client, world, spec):
    headers = bearer(world["admin"], None)
    validator = error_schema(spec)
    cases = [
        (client.post("/api/v1/courses", headers=headers), 405, "method_not_allowed"),
        (client.delete("/api/v1/orgs/P/completion", headers=headers), 405, "method_not_allowed"),
        (client.get("/api/v1/nothing-here", headers=headers), 404, "not_found"),
        (client.get("/api/v2/courses"), 404, "not_found"),
        (client.get("/api/v1/orgs/NOPE/completion", headers=headers), 404, "not_found"),
        (client.get("/api/v1/orgs/P/completion?since=x", headers=headers), 400, "bad_request"),
        (client.get("/api/v1/courses"), 401, "unauthorized"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (status, response.get_data(as_text=True)[:200])
        assert response.is_json
        body = response.get_json()
        validator.validate(body)
        assert body["error"] == code and body["message"]
    assert "'since' must be a date" in cases[5][0].get_json()["message"]


def test_web_pages_keep_html_error_pages(client):
    response = client.post("/healthz")
    assert response.status_code == 405 and "text/html" in response.content_type
    assert client.get("/no-such-page").status_code == 404


def test_xapi_site_is_the_configured_address_not_the_host_header(app, client, world, spec):
    headers = bearer(world["admin"], None)
    body = client.get("/api/v1/orgs/P/xapi", headers={**headers, "Host": "attacker.example"}).get_json()
    assert body["statements"]
    for statement in body["statements"]:
        assert statement["actor"]["account"]["homePage"] == SITE
        assert statement["object"]["id"].startswith(SITE + "/courses/")
    app.config["PUBLIC_BASE_URL"] = None
    refused = client.get("/api/v1/orgs/P/xapi", headers=headers)
    assert refused.status_code == 503
    error_schema(spec).validate(refused.get_json())
    assert refused.get_json()["error"] == "not_configured"
    assert "PUBLIC_BASE_URL" in refused.get_json()["message"]


def test_course_url_is_the_course_page_itself(app, client, world):
    headers = bearer(world["admin"], None)
    url = client.get("/api/v1/courses", headers=headers).get_json()["courses"][0]["url"]
    assert url == f"{SITE}/courses/dvc/"  # the route's own address, not one that redirects to it


def test_scope_is_worked_out_once_per_request(client, world, monkeypatch):
    headers = bearer(world["manager_a"], world["school_a"])
    calls = []
    original = tokens.token_scope

    def counting(token):
        calls.append(token.id)
        return original(token)

    monkeypatch.setattr(tokens, "token_scope", counting)
    for url in ("/api/v1/orgs/SA/completion", "/api/v1/orgs/SA-1/completion/rows", "/api/v1/orgs/SB/xapi"):
        calls.clear()
        client.get(url, headers=headers)
        assert len(calls) == 1, url


def test_responses_vary_on_authorization_without_losing_other_vary(client, world):
    response = client.get("/api/v1/courses", headers=bearer(world["admin"], None))
    assert "Authorization" in response.vary


def test_assigned_rows_of_one_learner_split_across_pages(client, world, make_user):
    """A page may end inside one learner's courses: the next starts with the rest of them."""
    extra = [Course(slug=f"c{n}", title=f"Khoá {n}", lesson_count=1) for n in range(4)]
    db.session.add_all(extra)
    db.session.flush()
    db.session.add_all(Assignment(course_id=c.id, org_id=world["class_b1"].id) for c in extra)
    db.session.commit()
    headers = bearer(world["admin"], None)
    url = "/api/v1/orgs/SB-1/completion/rows"
    everything = client.get(url, headers=headers).get_json()["rows"]
    assert len(everything) == 5 and {r["username"] for r in everything} == {"binh.tran"}
    for limit in (1, 2, 3, 4):
        assert page_through(client, url, headers, limit)[0] == everything
