"""Schemathesis fuzz of the JSON API (/api/v1) against docs/openapi.yaml.

Every operation of the document is called in-process (WSGI) on a seeded platform with
data that fits the schema (positive) and data that does not (negative), with a live
token, with no token and with a made-up one, on a unit the token reads and on generated
unit codes.  Each response must not be a server error and must conform to the document:
a documented status code, the documented content type, headers and body schema; data
that breaks the schema must be refused with a 4xx.  The run is derandomised and bounded,
so it gives the same cases every time and fits in CI.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.test_form_fuzz import known_kind

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
SCHEMA = schemathesis.openapi.from_path(OPENAPI)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]
EXAMPLES = 12
SCOPED_UNIT = "HN-THPT-CVA"  # inside the token's unit (HN-SGDDT)

# Hand-picked edge cases on top of the generated ones: the values that broke dates,
# lengths and text columns elsewhere.
EDGE_QUERIES = [
    {"until": "9999-12-31"}, {"since": "9999-12-31"}, {"since": "0001-01-01", "until": "0001-01-01"},
    {"since": "0000-00-00"}, {"until": "2026-02-30"}, {"limit": "5001"}, {"limit": "-1"},
    {"limit": "99999999999999999999999"}, {"limit": "٣"}, {"cursor": "%%%"}, {"cursor": "a" * 5000},
    {"cursor": "azpbMQ"}, {"course": "x" * 300}, {"course": "a\x00b"}, {"audience": "\x00"},
    {"since": "2026-01-01\x00"},
]
EDGE_CODES = ["x" * 300, "a\x00b", "%ff", "..", "HN-THPT-CVA\x00"]


def _operations():
    return [result.ok() for result in SCHEMA.get_all_operations()]


def _only_headers_negative(case) -> bool:
    """A negative case whose only broken part is a header: the run sends its own
    Authorization header instead, so what reaches the API is no longer negative and
    "schema-violating request accepted" would be a false alarm."""
    components = getattr(case.meta, "components", None) or {}
    negative = [str(getattr(location, "value", location)) for location, info in components.items()
                if info.mode == GenerationMode.NEGATIVE]
    return bool(negative) and all(location == "header" for location in negative)


class Run:
    """Counts cases and collects failures (first of each kind) instead of stopping at
    the first, so one run shows everything that is wrong."""

    def __init__(self, app):
        self.app, self.cases, self.failures, self.statuses = app, 0, {}, {}

    def call(self, case, headers):
        self.cases += 1
        # Schemathesis' WSGI transport advertises gzip but hands the checks the raw body, which
        # the API now compresses (lms.core.static_files): ask for it plain, as the schema shows it.
        headers = {"Accept-Encoding": "identity", **headers}
        try:
            response = case.call(app=self.app, headers=headers)
        except Exception as exc:  # the app raised: a 500 in production
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/lms/" in f.filename]
            frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
            message = str(exc).splitlines()[0] if str(exc) else ""
            key = (f"[{known_kind(message)}]", case.operation.label, "500", type(exc).__name__,
                   f"{frame.filename.rsplit('/lms/', 1)[-1]}:{frame.lineno}")
            self.failures.setdefault(key, f"{exc!s:.300} <- {case.as_curl_command(headers=headers)}")
            return
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except BaseExceptionGroup as group:  # schemathesis' FailureGroup: one per failed check
            curl = case.as_curl_command(headers=headers)
            for failure in group.exceptions:
                key = ("[NEW]", case.operation.label, str(response.status_code),
                       getattr(failure, "title", type(failure).__name__))
                self.failures.setdefault(key, f"{getattr(failure, 'message', failure)!s:.400} <- {curl}")

    def fuzz(self, strategy, headers):
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def one(case):
            if _only_headers_negative(case):
                return  # our Authorization header replaces the broken one: the request is valid
            self.call(case, headers)

        one()


def test_api_answers_every_generated_request_as_documented(fuzz_app):
    world = fuzz_app.fuzz_world
    auths = {"token": {"Authorization": f"Bearer {world.api_secret}"}, "none": {},
             "invalid": {"Authorization": "Bearer " + "A" * 43}}
    run = Run(fuzz_app)
    operations = _operations()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for auth, headers in auths.items():
                run.fuzz(operation.as_strategy(generation_mode=mode), headers)
                if auth == "token" and "{code}" in operation.path:
                    run.fuzz(operation.as_strategy(generation_mode=mode, path_parameters={"code": SCOPED_UNIT}),
                             headers)
        scoped = {"code": SCOPED_UNIT} if "{code}" in operation.path else {}
        for query in EDGE_QUERIES:
            run.call(operation.Case(path_parameters=scoped, query=query), auths["token"])
        for code in EDGE_CODES if scoped else ():
            run.call(operation.Case(path_parameters={"code": code}), auths["token"])
    print(f"\nAPI fuzz: {len(operations)} operations, {run.cases} cases, statuses {sorted(run.statuses.items())}")
    assert not run.failures, "\n\n".join(f"{key}: {detail}" for key, detail in run.failures.items())


def test_a_blank_or_control_character_filter_is_refused_not_ignored(fuzz_app):
    """docs/api.md: a malformed parameter answers 400 naming it.  A value made only of
    whitespace or control characters used to be stripped to nothing and read as "no
    filter", so a dashboard sending a broken audience silently got everyone's figures."""
    headers = {"Authorization": f"Bearer {fuzz_app.fuzz_world.api_secret}"}
    client = fuzz_app.test_client()
    for query in ("audience=%1F", "audience=%20", "course=%09", "since=%0B", "until=%20%20"):
        for endpoint in ("completion", "completion/rows", "xapi"):
            response = client.get(f"/api/v1/orgs/{SCOPED_UNIT}/{endpoint}?{query}", headers=headers)
            assert response.status_code == 400, (query, endpoint, response.get_json())
            body = response.get_json()
            assert body["error"] == "bad_request" and query.split("=")[0] in body["message"]
    assert client.get(f"/api/v1/orgs/{SCOPED_UNIT}/completion?audience=", headers=headers).status_code == 200
