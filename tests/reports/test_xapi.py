"""xAPI statements: structure, stable ids, and the export-xapi command's scope and audit."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import jsonschema
import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.reports.services import CompletionRow
from lms.reports.xapi import LearningRecord, build_statements, record_from_row
from lms.reports.xapi_cli import export_xapi_command
from tests.reports.test_api import bearer, build_world

SITE = "https://hoc.example.vn"
LANGUAGE_MAP = {"type": "object", "minProperties": 1,
                "propertyNames": {"pattern": "^[a-z]{2,3}(-[A-Z]{2})?$"},
                "additionalProperties": {"type": "string"}}
IRI = {"type": "string", "pattern": "^[a-z][a-z0-9+.-]*://"}
# A subset of the xAPI 1.0.3 statement rules (Data section 2.4), written from the spec
# rather than from our own code, so that a drift in the builder is caught.
STATEMENT_SCHEMA = {
    "type": "object",
    "required": ["id", "actor", "verb", "object"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"},
        "actor": {
            "type": "object",
            "required": ["account"],
            "not": {"anyOf": [{"required": ["mbox"]}, {"required": ["mbox_sha1sum"]}, {"required": ["openid"]},
                              {"required": ["name"]}]},
            "properties": {
                "objectType": {"const": "Agent"},
                "account": {"type": "object", "required": ["homePage", "name"], "additionalProperties": False,
                            "properties": {"homePage": IRI, "name": {"type": "string", "minLength": 1}}},
            },
        },
        "verb": {"type": "object", "required": ["id", "display"],
                 "properties": {"id": {"type": "string", "pattern": "^http://adlnet.gov/expapi/verbs/"},
                                "display": {**LANGUAGE_MAP, "required": ["en-US", "vi-VN"]}}},
        "object": {"type": "object", "required": ["id"],
                   "properties": {"objectType": {"const": "Activity"}, "id": IRI,
                                  "definition": {"type": "object", "properties": {"name": LANGUAGE_MAP, "type": IRI}}}},
        "result": {"type": "object", "additionalProperties": False,
                   "properties": {"success": {"type": "boolean"}, "completion": {"type": "boolean"},
                                  "score": {"type": "object",
                                            "properties": {"scaled": {"type": "number", "minimum": -1, "maximum": 1},
                                                           "raw": {"type": "number"}, "min": {"type": "number"},
                                                           "max": {"type": "number"}}},
                                  "duration": {"type": "string"},
                                  "extensions": {"type": "object", "propertyNames": {"pattern": "^[a-z]+://"}}}},
        "context": {"type": "object",
                    "properties": {"platform": {"type": "string"}, "language": {"type": "string"},
                                   "extensions": {"type": "object", "propertyNames": {"pattern": "^[a-z]+://"}}}},
        "timestamp": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$"},
        "version": {"type": "string", "pattern": r"^1\.0\.\d+$"},
    },
}


def check(statement: dict) -> None:
    jsonschema.Draft202012Validator(STATEMENT_SCHEMA).validate(statement)


def record(**overrides) -> LearningRecord:
    base = dict(username="an.nguyen", org_code="SA-1", course_slug="dvc", course_title="Dịch vụ công",
                enrolled_at=datetime(2025, 3, 1, 1, 2, 3), lessons_read=2, lessons_total=2,
                completed_at=datetime(2025, 3, 5, 8, 0, 0, 123456), score=90.0, pass_score=70.0)
    return LearningRecord(**{**base, **overrides})


def verbs(statements) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[1] for s in statements]


def test_completed_course_gives_four_valid_statements():
    statements = build_statements(record(), SITE)
    assert verbs(statements) == ["registered", "attempted", "completed", "passed"]
    for statement in statements:
        check(statement)
        assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": SITE, "name": "an.nguyen"}}
        assert statement["object"]["id"] == f"{SITE}/courses/dvc"
        assert statement["object"]["definition"]["name"] == {"vi-VN": "Dịch vụ công"}
        assert uuid.UUID(statement["id"]).version == 5
    completed = statements[2]
    assert completed["timestamp"] == "2025-03-05T08:00:00.123Z"
    assert completed["result"] == {"completion": True, "success": True,
                                   "score": {"scaled": 0.9, "raw": 90.0, "min": 0, "max": 100}}
    assert statements[0]["timestamp"] == "2025-03-01T01:02:03.000Z"


def test_failed_quiz_without_completion():
    statements = build_statements(record(completed_at=None, score=40.0, lessons_read=1), SITE)
    assert verbs(statements) == ["registered", "attempted", "failed"]
    failed = statements[-1]
    assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] == 0.4
    assert "timestamp" not in failed  # the moment is unknown; the LRS stamps it
    attempted = statements[1]
    assert attempted["result"]["completion"] is False
    assert list(attempted["result"]["extensions"].values()) == [50]
    for statement in statements:
        check(statement)


def test_assigned_but_untouched_gives_nothing():
    assert build_statements(record(enrolled_at=None, lessons_read=0, completed_at=None, score=None), SITE) == []


def test_ids_are_stable_and_change_with_the_fact():
    first = [s["id"] for s in build_statements(record(), SITE)]
    assert first == [s["id"] for s in build_statements(record(), SITE + "/")]
    assert len(set(first)) == len(first)
    better = [s["id"] for s in build_statements(record(score=95.0), SITE)]
    # The score is in the "completed" statement too (changed deliberately: its id used
    # to stay while its content changed, which an LRS answers with 409 Conflict).
    assert better[:2] == first[:2] and better[2] != first[2] and better[3] != first[3]
    other_site = [s["id"] for s in build_statements(record(), "https://other.example.vn")]
    assert set(other_site).isdisjoint(first)


def test_rows_in_vietnam_time_become_utc():
    row = CompletionRow("SA-1", "Lớp A1", "Tỉnh › Lớp A1", "an.nguyen", "Nguyễn Văn An", "dvc", "Dịch vụ công",
                        True, None, datetime(2025, 3, 1, 8, 0), 2, 2, datetime(2025, 3, 2, 7, 30), 80.0, None, False)
    converted = record_from_row(row, {"dvc": ("vi", 70.0)})
    assert converted.enrolled_at == datetime(2025, 3, 1, 1, 0)
    assert converted.completed_at == datetime(2025, 3, 2, 0, 30)
    statements = build_statements(converted, SITE)
    assert "Nguyễn Văn An" not in json.dumps(statements, ensure_ascii=False)


# --- the command ----------------------------------------------------------------------------


@pytest.fixture
def world(app, make_org, make_user):
    app.config["PUBLIC_BASE_URL"] = SITE
    return build_world(make_org, make_user)


def run(app, *args):
    return app.test_cli_runner().invoke(export_xapi_command, list(args))


def test_cli_exports_json_and_ndjson_with_stable_ids(app, world, tmp_path):
    first, second, lines = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.ndjson"
    result = run(app, "--org", "P", "-o", str(first))
    assert result.exit_code == 0, result.output
    statements = json.loads(first.read_text(encoding="utf-8"))
    assert statements and all(check(s) is None for s in statements)
    assert run(app, "--org", "P", "-o", str(second)).exit_code == 0
    assert [s["id"] for s in json.loads(second.read_text(encoding="utf-8"))] == [s["id"] for s in statements]
    assert run(app, "--org", "P", "-o", str(lines), "--ndjson").exit_code == 0
    parsed = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert parsed == statements
    names = {s["actor"]["account"]["name"] for s in statements}
    assert names == {"an.nguyen", "binh.tran", "cuong.le"}
    # Audited like export-completion, before writing (changed deliberately from a
    # "report.export_xapi" event recorded after the file was written).
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export")
                                .order_by(AuditEvent.id)).all()
    assert [e.detail["format"] for e in events] == ["xapi-json", "xapi-json", "xapi-ndjson"]
    assert all(e.detail["via"] == "cli" and e.actor_id is None for e in events)
    assert len(events) == 3 and events[0].detail["statements"] == len(statements)
    assert events[0].org_id == world["province"].id


def test_cli_and_api_give_the_same_statements(app, client, world, tmp_path):
    out = tmp_path / "sa.json"
    assert run(app, "--org", "SA", "-o", str(out)).exit_code == 0
    from_cli = json.loads(out.read_text(encoding="utf-8"))
    from_api = client.get("/api/v1/orgs/SA/xapi", headers=bearer(world["manager_a"], world["school_a"])).get_json()
    assert from_api["statements"] == from_cli


def test_cli_manager_cannot_export_another_school(app, world, tmp_path):
    out = tmp_path / "sb.json"
    result = run(app, "--org", "SB", "--as", "manager.a", "-o", str(out))
    assert result.exit_code == 2
    assert not out.exists()
    # Same answer as for a unit that does not exist.
    unknown = run(app, "--org", "NOPE", "--as", "manager.a", "-o", str(out))
    assert unknown.exit_code == 2 and unknown.output.replace("NOPE", "X") == result.output.replace("SB", "X")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.export")) is None
    ok = run(app, "--org", "SA", "--as", "manager.a", "-o", str(out))
    assert ok.exit_code == 0, ok.output
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.export"))
    # As export-completion: no actor, the account named in on_behalf_of.
    assert event.actor_id is None and event.detail["on_behalf_of"] == "manager.a"
    assert event.detail["scope"] == "SA"
    assert "Trần Thị Bình" not in out.read_text(encoding="utf-8")


def test_cli_needs_a_site_address(app, world, tmp_path):
    app.config["PUBLIC_BASE_URL"] = None
    result = run(app, "--org", "P", "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 2 and "PUBLIC_BASE_URL" in result.output
    assert run(app, "--org", "P", "--site", SITE, "-o", str(tmp_path / "x.json")).exit_code == 0


# --- review fixes -----------------------------------------------------------------------


def comparable(statement: dict) -> dict:
    """What an LRS compares when it receives an id it already has (xAPI 1.0.3 Data 2.3.1):
    everything but the id, the version, the activity definition and the verb's display."""
    return {"actor": statement["actor"], "verb": statement["verb"]["id"], "object": statement["object"]["id"],
            "result": statement.get("result"), "context": statement.get("context"),
            "timestamp": statement.get("timestamp")}


def test_one_id_never_carries_two_contents():
    """Re-exporting after any change must not send a known id with new content (409)."""
    variants = [
        record(), record(lessons_read=1, completed_at=None, score=None),
        record(lessons_read=2, completed_at=None, score=None), record(completed_at=None, score=40.0),
        record(score=95.0), record(completed_at=datetime(2025, 4, 1)), record(org_code="SB-1"),
        record(pass_score=95.0), record(lessons_total=3), record(course_language="en"),
        record(course_title="Dịch vụ công (bản mới)"),
    ]
    seen: dict[str, dict] = {}
    for variant in variants:
        for statement in build_statements(variant, SITE):
            check(statement)
            assert seen.setdefault(statement["id"], comparable(statement)) == comparable(statement), statement
    # More lessons read: a new "attempted" statement; the registration stays the same.
    one, two = (build_statements(record(lessons_read=n, completed_at=None, score=None), SITE) for n in (1, 2))
    assert one[0]["id"] == two[0]["id"] and one[1]["id"] != two[1]["id"]
    # A renamed course changes only the activity definition: same ids, no duplicates.
    renamed = build_statements(record(course_title="Tên mới"), SITE)
    assert [s["id"] for s in renamed] == [s["id"] for s in build_statements(record(), SITE)]


def test_cli_refuses_since_after_until_and_bad_dates(app, world, tmp_path):
    out = tmp_path / "x.json"
    result = run(app, "--org", "P", "--since", "2025-02-01", "--until", "2025-01-01", "-o", str(out))
    assert result.exit_code == 2 and "--until đứng trước --since" in result.output
    bad = run(app, "--org", "P", "--since", "01/02/2025", "-o", str(out))
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    assert not out.exists()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.export")) is None


def test_cli_without_as_does_not_speak_of_a_scope(app, world, tmp_path):
    result = run(app, "--org", "NOPE", "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 2
    assert "NOPE" in result.output and "phạm vi" not in result.output


def test_cli_audits_first_and_leaves_no_partial_file(app, world, tmp_path, monkeypatch):
    import lms.reports.xapi as xapi_module

    out = tmp_path / "p.json"
    out.write_text("previous good export", encoding="utf-8")
    calls = []

    def failing(record, site, platform="LMS"):
        calls.append(record)
        if len(calls) > 1:
            raise RuntimeError("disk full")
        return build_statements(record, site, platform)

    monkeypatch.setattr(xapi_module, "build_statements", failing)
    result = run(app, "--org", "P", "-o", str(out))
    assert result.exit_code != 0
    assert out.read_text(encoding="utf-8") == "previous good export"  # untouched, not half-written
    assert not (tmp_path / "p.json.part").exists()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.export"))
    assert event is not None and event.detail["format"] == "xapi-json"  # recorded before writing
    assert "statements" not in event.detail  # ... and not marked complete


def test_cli_streams_to_standard_output(app, world):
    result = run(app, "--org", "SA", "-o", "-", "--ndjson")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert lines and all(check(s) is None for s in lines)
