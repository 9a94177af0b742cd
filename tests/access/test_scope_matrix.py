"""The scope matrix: every role × every endpoint, with the ids of *another* unit's and another
contest's objects (issue 14, "Must show").

One world (tests/support/world.py) holds sibling schools A and B, contest A, an open contest B
whose participants and people carry marker strings, and a published contest B. Each role
signs in as its A-side person (or stays anonymous) and sends, for every rule of
``app.url_map``, the requests listed in ``probes()``: GETs, and POSTs with a valid CSRF token
and a body aimed at B. A *leak* is

- a response (redirects followed, exports opened: CSV, JSON, XLSX cells, PDF text) holding a
  marker of a category the role may not see (world.MARKER_CATEGORIES, ``ALLOWED``), or
- any change to B's rows (unit B's or contest B's, found by following foreign keys from the
  world's seeds) that the role may not make (``MAY_CHANGE``).

After each probe the database is put back as it was (only if something changed), so probes are
independent and the order never matters. A rule with no probe fails the test by name: a new
endpoint cannot be forgotten. Figures (requests per role, status histogram, leaks) are printed
in the terminal summary (tests/access/conftest.py).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import url_for
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event

from lms.extensions import db
from tests.access.conftest import FIGURES
from tests.support.world import PASSWORD, ROLE_USERS, World, write_files

ROLES = list(ROLE_USERS)

# Categories of markers (world.MARKER_CATEGORIES) each role may see.
ALLOWED = {role: set() for role in ROLES}
ALLOWED["manager_b"] = {"b_name", "b_contact", "b_activity"}
ALLOWED["admin"] = {"b_name", "b_contact", "b_activity", "cb_reg", "cb_key", "cb_sub"}

# Public by design, for everyone: contest boards and prize lists name participants, and a
# certificate's verification page names its holder (that is what it is for).
PUBLIC_BY_DESIGN = {
    "contests.leaderboard": {"b_name"}, "contests.leaderboard_json": {"b_name"},
    "contests.results": {"b_name"}, "contests.award": {"b_name"},
    "certificates.verify": {"b_name"}, "certificates.verify_json": {"b_name"},
    "certificates.verify_home": {"b_name"},
}

# Which of B's rows a role may change (see Runner.forbidden_changes): manager B his unit's
# people and units, but not contest B itself nor the accounts of its organisers and judges,
# even those of his unit (issue 14, fault 2: acting on an account needs scope over every role
# it holds); an admin anything.
MAY_CHANGE = {role: set() for role in ROLES}
MAY_CHANGE["manager_b"] = {"unit_b"}
MAY_CHANGE["admin"] = {"unit_b", "contest_b", "contest_b_staff"}

# Roles eligible for contest B (it is open to unit B's people): their own entries are theirs.
TAKES_PART_IN_B = {"manager_b"}

# Columns that do not make a row B's: who did something, and a learner's own attempt on a
# course bank that a contest also uses (the bank itself is B's and is compared).
NOT_OWNERSHIP = {("attempt", "bank_id"), ("attempt_answer", "question_version_id"), ("regrade", "actor_id")}
# Id columns without a foreign key that still point at B's rows.
EXTRA_REFERENCES = {("role_assignment", "contest_id"): "contest", ("attempt", "round_id"): "contest_round",
                    ("contest_answer_log", "question_version_id"): "question_version"}
SKIPPED_TABLES = {"audit_event"}  # everyone's requests are audited; that is not a change to B


@dataclass
class Probe:
    """One request (``then``: more requests in the same attempt, e.g. an escalation chain)."""

    endpoint: str
    values: dict = field(default_factory=dict)
    method: str = "GET"
    query: dict | None = None
    data: dict | None = None
    json: dict | None = None
    bearer: bool = False
    then: list[Probe] = field(default_factory=list)
    # Further requests built from where this one landed (e.g. submit the attempt just started).
    after: Callable[[str], list[Probe]] | None = None


def P(endpoint, method="GET", v=None, **kw) -> Probe:  # noqa: N802 - reads like a table row
    """A probe of ``endpoint``; ``v``: the URL's values."""
    return Probe(endpoint, values=v or {}, method=method, **kw)


def probes(w: World, me: int | None, my_username: str | None) -> list[Probe]:
    """Every rule, aimed at B. ``me``: the acting person's id (None when anonymous).

    Adding an endpoint: add at least one probe per method, with B's ids (``w.ids``, ``w.codes``,
    ``w.users``, ``w.orgs``; add the object to tests/support/world.py if B has none yet) and,
    for a POST, the form a real attacker would send. test_every_rule_has_a_probe names any
    rule left out; url_for fails on a parameter the probe does not fill."""
    u, cb, cbp, ca = w.users, w.codes["contest_b"], w.codes["contest_bp"], w.codes["contest_a"]
    bank, course, lesson = w.codes["bank_b"], w.codes["course"], w.codes["lesson"]
    art, pdf = w.codes["submission_article"], w.codes["submission_file"]
    b1v, b2v = w.ids["version_b1"], w.ids["version_b2"]
    r1 = {"slug": cb, "number": 1}
    r2 = {"slug": cb, "number": 2}
    me_values = {"user_id": me if me is not None else u["mx.hsa"]}
    bank_md = (b"---\ntitle: Ghi de\n---\n## Cau hoi chen vao?\nid: cb-1\n= dap-an-moi\n")
    roster = "Tên đăng nhập,Họ và tên,Mã đơn vị\r\nmx.hsb1,Đổi Tên Trái Phép,MTX-B1\r\n".encode()
    roster_orgb = ("Tên đăng nhập,Họ và tên,Mã đơn vị,Số điện thoại\r\n"
                   "mx.gvab,Giáo viên A tổ chức B,MTX-A,0912000999\r\n").encode()
    round_form = {"title": "Vòng sửa", "kind": "quiz", "opens_at": "2020-01-01T08:00", "closes_at": "2020-01-02T08:00",
                  "bank": bank, "attempts_allowed": "3", "counting": "best", "freeze_minutes": "0", "weight": "1"}
    contest_form = {"title": "Đổi tên hội thi", "rules_md": "x", "scope_code": "", "status": "open",
                    **{f: "off" for f in ("date_of_birth", "phone", "school", "class_name", "unit_name")}}
    return [
        # --- core, sign-in, own account -------------------------------------------------------
        P("core.home"), P("core.healthz"), P("static", v={"filename": "css/site.css"}),
        P("core.set_language", "POST", data={"lang": "en", "next": f"/admin/users/{u['mx.hsb1']}"}),
        P("auth.login"), P("auth.login", "POST", data={"username": "mx.hsb1", "password": "not-the-password"}),
        P("auth.logout", "POST"), P("auth.sign_out_everywhere", "POST"),
        P("auth.register", query={"code": "MTX-B"}),
        P("auth.register", "POST", data={"join_code": "MTX-B", "full_name": "Người lạ", "username": "mx.intruder",
                                         "kind": "student", "password": "Rat-kho-doan-981", "confirm": "Rat-kho-doan-981"}),
        P("auth.profile"), P("auth.profile", "POST", data={"full_name": "Tên mới", "locale": "vi"}),
        P("auth.forgot_password"), P("auth.forgot_password", "POST", data={"identifier": "mx.hsb1"}),
        # A reset token for B's learner signed with another key, then one that is not a token.
        *(P("auth.reset_password", method, v={"token": token},
            data={"password": "Rat-kho-doan-981", "confirm": "Rat-kho-doan-981"} if method == "POST" else None)
          for token in (URLSafeTimedSerializer("not-the-key", salt="lms.auth.password-reset").dumps(
              [u["mx.hsb1"], "0" * 32]), "khong-phai-ma") for method in ("GET", "POST")),
        P("auth.change_password"),
        P("auth.change_password", "POST", data={"current": "wrong", "password": "Rat-kho-doan-981",
                                                "confirm": "Rat-kho-doan-981"}),
        P("privacy.my_data"), P("privacy.download_my_data", "POST"), P("privacy.delete_me"),
        P("privacy.delete_me", "POST", data={"password": "wrong"}), P("privacy.cancel_delete", "POST"),
        P("notifications.index"), P("notifications.open_notice", v={"notice_id": w.ids["notice_b"]}),
        P("notifications.read_all", "POST"), P("notifications.settings"),
        P("notifications.settings", "POST", data={"round_open__email": "y"}),
        # --- people and units -------------------------------------------------------------------
        P("privacy.deletions"), P("privacy.execute", "POST", v={"user_id": u["mx.hsb2"]}),
        P("users.index", query={"org": "MTX-B"}), P("users.index", query={"q": "qxbname"}),
        *(P("users.detail", v={"user_id": u[n]}) for n in ("mx.hsb1", "mx.qlb", "mx.gvab", "mx.btcb")),
        P("users.edit", "POST", v={"user_id": u["mx.hsb1"]},
          data={"full_name": "Đã Sửa", "org_code": "MTX-B1", "kind": "student"}),
        P("users.edit", "POST", v={"user_id": u["mx.gvab"]},
          data={"full_name": "Đã Sửa", "org_code": "MTX-A", "kind": "civil_servant"}),
        *(P("users.toggle_active", "POST", v={"user_id": u[n]}) for n in ("mx.hsb1", "mx.gvab", "mx.btcb")),
        P("users.edit", "POST", v={"user_id": u["mx.btcb"]},
          data={"full_name": "Đã Sửa", "org_code": "MTX-B", "kind": "civil_servant"}),
        *(P("users.reset_password", "POST", v={"user_id": u[n]}) for n in ("mx.hsb1", "mx.gvab", "mx.btcb")),
        P("users.grant", "POST", v={"user_id": u["mx.hsb1"]}, data={"role": "manager", "org_code": "MTX-B"}),
        P("users.grant", "POST", v={"user_id": u["mx.gvab"]}, data={"role": "teacher", "org_code": "MTX-A"}),
        # Issue 14 fault 1 as a chain: grant oneself "author" on one's own unit, then read B's bank.
        P("users.grant", "POST", v=me_values, data={"role": "author", "org_code": "MTX-A"},
          then=[P("quiz_admin.export", v={"slug": bank, "fmt": "gift"}), P("quiz_admin.bank", v={"slug": bank})]),
        P("users.revoke", "POST", v={"user_id": u["mx.gvb"], "assignment_id": w.ids["role_b"]}),
        P("users.create", query={"org": "MTX-B1"}),
        P("users.create", "POST", data={"username": "mx.newb", "full_name": "Người Mới", "org_code": "MTX-B1",
                                        "kind": "student"}),
        P("users.login_slips"),
        *(P("users.login_slips", "POST", data={"org_code": c, "include_all": "y"}) for c in ("MTX-B1", "MTX-B")),
        P("users.login_slips", "POST", data={"org_code": "MTX-A", "include_all": "y"}),
        P("orgs.index", query={"q": "MTX-B", "all": "1"}),
        *(P("orgs.detail", v={"org_id": w.orgs[c]}) for c in ("MTX-B", "MTX-B1")),
        P("orgs.create", "POST", v={"org_id": w.orgs["MTX-B"]},
          data={"child-code": "MTX-B9", "child-name": "Lớp Lạ", "child-kind": "class"}),
        P("orgs.create", "POST", data={"code": "MTX-X", "name": "Đơn vị mới", "kind": "other"}),
        P("orgs.edit", "POST", v={"org_id": w.orgs["MTX-B"]}, data={"code": "MTX-B", "name": "Đổi Tên", "kind": "school"}),
        P("orgs.move", "POST", v={"org_id": w.orgs["MTX-B1"]}, data={"parent_code": "MTX-A"}),
        P("orgs.merge", "POST", v={"org_id": w.orgs["MTX-B"]}, data={"target_code": "MTX-A", "confirm": "yes"}),
        P("orgs.join_code", "POST", v={"org_id": w.orgs["MTX-B1"]}),
        P("orgs.join_poster", v={"org_id": w.orgs["MTX-B1"]}),
        # The short link of a join code is public by design (knowing the code is the right to
        # join): probed with A's code and a code that does not exist.
        *(P("join.short_link", v={"code": c}) for c in ("JOINAAA1", "QXNOCODE")),
        P("orgs.join_code", "POST", v={"org_id": w.orgs["MTX-B1"]}, data={"action": "disable"}),
        P("roster.index"),
        P("roster.index", "POST", data={"file": (roster, "lop-b1.csv"), "org_id": "0"}),
        # B's learner pulled into unit A, and contest B's organiser (a teacher of A) edited, by roster.
        P("roster.index", "POST", data={"file": (roster.replace(b"MTX-B1", b"MTX-A"), "lop-a.csv"), "org_id": "0"}),
        P("roster.index", "POST", data={"file": (roster_orgb, "to-a.csv"), "org_id": "0"}),
        P("roster.confirm", "POST", v={"token": w.codes["roster_token_b"]}),
        *(P("roster.template", v={"fmt": f}) for f in ("csv", "xlsx")),
        P("audit.index", query={"org": "MTX-B"}), P("audit.export", query={"org": "MTX-B"}),
        # --- API tokens and the API ----------------------------------------------------------------
        P("api_tokens.index"),
        P("api_tokens.create", "POST", data={"name": "Lấy số liệu B", "org_code": "MTX-B"}),
        P("api_tokens.revoke", "POST", v={"token_id": w.ids["token_b"]}),
        P("api_v1.courses", bearer=True),
        *(P(e, v={"code": c}, bearer=True) for e in ("api_v1.completion", "api_v1.completion_learner_rows",
                                                      "api_v1.xapi") for c in ("MTX-B", "MTX-P")),
        # --- courses ---------------------------------------------------------------------------------
        P("courses.catalogue"), P("courses.course", v={"course_slug": course}),
        P("courses.lesson", v={"course_slug": course, "lesson_slug": lesson}),
        P("courses.mark_read", "POST", v={"course_slug": course, "lesson_slug": lesson}),
        P("courses.feedback", "POST", v={"course_slug": course, "lesson_slug": lesson}, data={"rating": "5"}),
        P("courses.feedback_list", v={"course_slug": course}),
        P("courses.media", v={"course_slug": course, "filename": "anh.png"}),
        P("courses.print_view", v={"course_slug": course}),
        P("courses.assignments"),
        P("courses.assignments", "POST", data={"course": course, "org_id": str(w.orgs["MTX-B1"])}),
        P("courses.remove_assignment", "POST", v={"assignment_id": w.ids["assignment_b"]}),
        P("courses.publish_feedback", "POST", v={"feedback_id": w.ids["feedback_b"]}, data={"publish": "1"}),
        # --- quizzes: contest B's open paper, B's attempts -------------------------------------------
        P("quizzes.course_quiz", v={"course_slug": w.codes["contest_course"]}),
        # A course quiz drawn from contest B's open paper: start, submit at once, read the review.
        P("quizzes.start", "POST", v={"course_slug": w.codes["contest_course"]}, after=_submit_and_review),
        P("quizzes.practice", v={"course_slug": w.codes["contest_course"]}),
        *(P("quizzes.practice", "POST", v={"course_slug": w.codes["contest_course"]}, data={"v": str(v), "answer": "x"})
          for v in (b1v, b2v)),
        *(P("quizzes.attempt", v={"attempt_id": w.ids[a]}) for a in ("attempt_b_open", "attempt_b_done")),
        P("quizzes.save_or_submit", "POST", v={"attempt_id": w.ids["attempt_b_open"]},
          data={f"q{b1v}": "sai", "action": "submit"}),
        P("quizzes.autosave", "POST", v={"attempt_id": w.ids["attempt_b_open"]}, json={"v": b1v, "values": ["sai"]}),
        P("quizzes.focus_lost", "POST", v={"attempt_id": w.ids["attempt_b_open"]}, data={"n": "5", "how": "hidden"}),
        *(P("quizzes.review", v={"attempt_id": w.ids[a]}) for a in ("attempt_b_done", "attempt_b_course")),
        P("quiz_admin.banks"), P("quiz_admin.bank", v={"slug": bank}),
        *(P("quiz_admin.export", v={"slug": bank, "fmt": f}) for f in ("md", "gift", "xlsx")),
        P("quiz_admin.regrade", "POST", v={"slug": bank, "question_id": w.ids["question_b"]}),
        P("quiz_admin.regrade_result", v={"slug": bank, "regrade_id": w.ids["regrade_b"]}),
        P("quiz_admin.regrade_result", v={"slug": "dvc", "regrade_id": w.ids["regrade_b"]}),
        P("quiz_admin.import_questions", query={"bank": bank}),
        P("quiz_admin.import_questions", "POST", data={"bank": bank, "format": "md", "file": (bank_md, "de.md")}),
        P("quiz_admin.template"),
        # --- certificates ---------------------------------------------------------------------------
        P("certificates.jwks"), P("certificates.public_key"), P("certificates.issuer_profile"),
        P("certificates.revocation_list"),
        P("certificates.mine"), P("certificates.admin_list", query={"q": "qxbname"}),
        *(P(e, v={"cert_id": w.ids["cert_b"]}) for e in ("certificates.pdf", "certificates.badge_json",
                                                         "certificates.badge_jwt")),
        P("certificates.revoke", "POST", v={"cert_id": w.ids["cert_b"]},
          data={"reason": "Thu hồi trái phép", "category": "misconduct"}),
        P("certificates.reissue", "POST", v={"cert_id": w.ids["cert_b"]}, data={"full_name": "Tên Khác"}),
        P("certificates.verify_home"), P("certificates.verify_home", "POST", data={"c-code": w.codes["cert_b"]}),
        P("certificates.verify", v={"code": w.codes["cert_b"]}),
        P("certificates.verify_json", v={"code": w.codes["cert_b"]}),
        # --- contests: public pages, taking part ------------------------------------------------------
        P("contests.index"), P("judging.dashboard"),
        *(P("contests.contest", v={"slug": s}) for s in (cb, cbp)),
        P("contests.contest", "POST", v={"slug": cb},
          data={"full_name": "Người lạ", "date_of_birth": "2000-01-01", "phone": "0912345678"}),
        P("contests.start", "POST", v=r1),
        *(P(e, v=r) for e in ("contests.leaderboard", "contests.leaderboard_json")
          for r in (r1, r2, {"slug": cbp, "number": 1})),
        *(P("contests.export", v={"slug": s}) for s in (cb, cbp)),
        *(P("contests.units", v={"slug": s}) for s in (cb, cbp)),
        P("contests.results", v={"slug": cbp}),
        P("contests.award", v={"slug": cbp, "code": w.codes["award_b"]}),
        P("judging.submit", v=r2), P("judging.submit", "POST", v=r2, data={"kind": "article", "article": "Bài lạ"}),
        P("judging.judge_entry", v={**r2, "code": art}),
        P("judging.judge_entry", "POST", v={**r2, "code": art}, data={f"c_{w.ids['criterion_b']}": "1", "comment": ""}),
        P("judging.download", v={**r2, "code": pdf}),
        # --- contests: organisers' and judges' pages of contest B ---------------------------------------
        P("judging.manage", v=r2),
        P("judging.save_config", "POST", v=r2, data={"judges_per_entry": "3", "max_upload_mb": "5",
                                                     "accepted_kinds": "link"}),
        P("judging.save_criteria", "POST", v=r2, data={"rows-0-name": "Chen vao", "rows-0-max_points": "10",
                                                       "rows-0-weight": "1"}),
        P("judging.add_judge", "POST", v=r2, data={"username": my_username or "mx.hsa"}),
        P("judging.remove_judge", "POST", v={**r2, "user_id": u["mx.gkb"]}),
        P("judging.assign", "POST", v=r2), P("judging.finalise", "POST", v=r2),
        P("contest_admin.index"), P("contest_admin.index", "POST", data={"slug": "hoi-thi-moi", "title": "Hội thi mới"}),
        *(P("contest_admin.contest", v={"slug": s}) for s in (cb, cbp)),
        P("contest_admin.contest", "POST", v={"slug": cb}, data=contest_form),
        P("contest_admin.add_organiser", "POST", v={"slug": cb}, data={"username": my_username or "mx.hsa"}),
        P("contest_admin.round_settings", v=r1),
        P("contest_admin.round_settings", "POST", v=r1, data=round_form),
        P("contest_admin.round_settings", v={"slug": cb}),
        P("contest_admin.round_settings", "POST", v={"slug": cb}, data=round_form),
        P("contest_admin.true_count", "POST", v=r1, data={"true_count": "5"}),
        *(P("contest_admin.prizes", v={"slug": s}) for s in (cb, cbp)),
        P("contest_admin.prizes", "POST", v={"slug": cb}, data={"first": "3", "second": "0", "third": "0",
                                                                  "consolation": "0", "collective": "0"}),
        P("contest_admin.publish", "POST", v={"slug": cb}),
        P("contest_admin.withdraw", "POST", v={"slug": cbp}, data={"reason": "Rút trái phép"}),
        P("contest_admin.prizes_xlsx", v={"slug": cbp}), P("contest_admin.awards_pdf", v={"slug": cbp}),
        P("contest_admin.participant", v={"slug": cb, "registration_id": w.ids["registration_b"]}),
        P("contest_integrity.report", v=r1),
        # --- contest A's own pages, quietly given contest B's objects ---------------------------------
        P("contest_admin.round_settings", "POST", v={"slug": ca, "number": 1}, data={**round_form, "bank": bank,
                                                                                   "title": "Vòng 1 A"}),
        P("contest_admin.participant", v={"slug": ca, "registration_id": w.ids["registration_b"]}),
        P("judging.judge_entry", v={"slug": ca, "number": 2, "code": art}),
        P("judging.download", v={"slug": ca, "number": 2, "code": pdf}),
        P("judging.remove_judge", "POST", v={"slug": ca, "number": 2, "user_id": u["mx.gkb"]}),
        P("contests.award", v={"slug": ca, "code": w.codes["award_b"]}),
        P("quiz_admin.regrade", "POST", v={"slug": "dvc", "question_id": w.ids["question_b"]}),
        P("quizzes.practice", "POST", v={"course_slug": course}, data={"v": str(b1v), "answer": "x"}),
        P("users.revoke", "POST", v={**me_values, "assignment_id": w.ids["role_b"]}),
        # --- reports and the public ranking ---------------------------------------------------------------
        P("reports.index"),
        *(P("reports.org_report", v={"code": c}) for c in ("MTX-B", "MTX-B1", "MTX-P")),
        P("reports.class_view", v={"code": "MTX-B1"}),
        P("reports.class_picker"), P("reports.class_picker", query={"org": "MTX-B1"}),
        P("reports.class_list", v={"code": "MTX-B1"}),
        *(P("reports.learner", v={"user_id": u[n]}) for n in ("mx.hsb1", "mx.gvb")),
        *(P(e, v={"code": c}) for e in ("reports.export_csv", "reports.export_xlsx") for c in ("MTX-B", "MTX-P")),
        P("public_ranking.index"), P("public_ranking.latest", v={"code": "MTX-B"}),
        P("public_ranking.month", v={"code": "MTX-B", "month": w.codes["month"]}),
        P("public_ranking.settings", v={"code": "MTX-B"}),
        P("public_ranking.settings", "POST", v={"code": "MTX-B"}, data={"kinds": ["school", "class"]}),
    ]


def _submit_and_review(landed: str) -> list[Probe]:
    found = re.fullmatch(r"/quizzes/attempts/(\d+)", landed)
    if not found:
        return []
    attempt = {"attempt_id": int(found.group(1))}
    return [P("quizzes.save_or_submit", "POST", v=attempt, data={"action": "submit"}), P("quizzes.review", v=attempt)]


# --- reading what came back ------------------------------------------------------------------


def body_text(response) -> str:
    """What a person (or a program) reads in a response: the text of pages, JSON and CSV, the
    cell values of an XLSX workbook, the text of a PDF."""
    data = response.get_data()
    kind = response.mimetype or ""
    if data.startswith(b"PK") and ("sheet" in kind or "octet" in kind or "zip" in kind):
        return _xlsx_text(data)
    if data.startswith(b"%PDF"):
        return _pdf_text(data) + data.decode("latin-1")
    body = data.decode("utf-8", errors="replace")
    if JWS.fullmatch(body.strip()):  # a signed credential: its claims are base64url JSON
        body += "\n".join(_b64url(part) for part in body.strip().split(".")[:2])
    return body


JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def _b64url(part: str) -> str:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("utf-8", "replace")


def _xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    parts = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if value is None:
                        continue
                    parts.append(value.date().isoformat() if hasattr(value, "date") and callable(value.date)
                                 else str(value))
    except Exception:  # not a workbook after all: read the raw parts
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    return "\n".join(parts)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    except Exception:
        return ""


def markers_in(body: str, markers: dict[str, list[str]], hidden: set[str]) -> list[tuple[str, str]]:
    folded = body.casefold()
    return [(category, m) for category in sorted(hidden) for m in markers.get(category, []) if m.casefold() in folded]


# --- the database: B's rows, snapshots, restore --------------------------------------------------


def _tables():
    return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def snapshot() -> dict[str, dict]:
    """Every row of every table, by primary key."""
    state = {}
    with db.engine.connect() as conn:  # inside the caller's app context
        for table in _tables():
            key = [c.name for c in table.primary_key.columns]
            state[table.name] = {tuple(row[k] for k in key): dict(row)
                                 for row in conn.execute(table.select()).mappings()}
    return state


def _references():
    """(table, column) -> referenced table, for the columns that carry ownership."""
    refs = dict(EXTRA_REFERENCES)
    for table in _tables():
        for column in table.columns:
            for fk in column.foreign_keys:
                if (table.name, column.name) in NOT_OWNERSHIP or column.name.endswith("_by_id"):
                    continue
                refs[(table.name, column.name)] = fk.column.table.name
    return refs


def owned_rows(state: dict, seeds: dict[str, set[int]]) -> set[tuple[str, tuple]]:
    """The rows belonging to the seeds: the seeds themselves and, transitively, every row
    whose ownership column points at one of them."""
    refs = _references()
    owned: dict[str, set] = {t: {(i,) for i in ids} & set(state.get(t, {})) for t, ids in seeds.items()}
    changed = True
    while changed:
        changed = False
        for (table, column), target in refs.items():
            targets = owned.get(target)
            if not targets:
                continue
            mine = owned.setdefault(table, set())
            for key, row in state.get(table, {}).items():
                if key not in mine and (row.get(column),) in targets:
                    mine.add(key)
                    changed = True
    return {(t, k) for t, keys in owned.items() for k in keys}


def changed_rows(before: dict, after: dict) -> set[tuple[str, tuple]]:
    out = set()
    for table in before:
        old, new = before[table], after[table]
        out.update((table, k) for k in old.keys() ^ new.keys())
        out.update((table, k) for k in old.keys() & new.keys() if old[k] != new[k])
    return out


def restore(pristine: dict, current: dict) -> None:
    """Put back every table that differs from ``pristine`` (foreign keys off meanwhile)."""
    tables = [t for t in _tables() if pristine[t.name] != current[t.name]]
    if not tables:
        return
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            conn.exec_driver_sql("SET session_replication_role = replica")
        try:
            for table in reversed(tables):
                conn.execute(table.delete())
            for table in tables:
                rows = list(pristine[table.name].values())
                if rows:
                    conn.execute(table.insert(), rows)
            conn.commit()
        finally:
            conn.rollback()
            conn.exec_driver_sql("PRAGMA foreign_keys=ON" if sqlite else "SET session_replication_role = DEFAULT")
            conn.commit()


# --- running one role --------------------------------------------------------------------------


WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Runner:
    def __init__(self, app, world: World, role: str):
        self.app, self.world, self.role = app, world, role
        self.username = ROLE_USERS[role]
        self.me = world.users.get(self.username) if self.username else None
        self.client = app.test_client()
        self.hidden = set(world.markers) - ALLOWED[role]
        self.statuses: Counter = Counter()
        self.requests = 0
        self.leaks: list[str] = []
        self.errors: list[str] = []
        self.seen: set[str] = set()  # marker categories met, allowed or not
        self.b_writes = 0  # probes that changed B's rows, allowed or not
        self.csrf = ""
        self.bearer = {"manager_a": world.codes["token_manager_a"], "admin": world.codes["token_admin"],
                       "manager_b": world.markers["secret"][0]}.get(role)

    def sign_in(self) -> None:
        self.client = self.app.test_client()
        page = "/login"
        if self.username:
            html = self.client.get("/login").get_data(as_text=True)
            token = CSRF_RE.search(html).group(1)
            response = self.client.post("/login", data={"csrf_token": token, "username": self.username,
                                                        "password": PASSWORD})
            assert response.status_code == 302, f"{self.username} cannot sign in"
            page = "/profile"
        self.csrf = CSRF_RE.search(self.client.get(page).get_data(as_text=True)).group(1)

    def signed_in(self, ask: bool) -> bool:
        """Still signed in: the session says so and, when ``ask``, the server agrees (a
        change to the account may have ended the session)."""
        if not self.username:
            return True
        with self.client.session_transaction() as session:
            if "_user_id" not in session:
                return False
        return not ask or self.client.get("/profile").status_code == 200

    def forbidden_changes(self, before: dict, after: dict, changes: set, as_outsider: bool = False) -> set:
        """The changed rows of B's that this role (or, ``as_outsider``, a role with no right
        over B) may not change."""
        w, allowed = self.world, set() if as_outsider else MAY_CHANGE[self.role]
        domains = {}
        for name, seeds in (("unit_b", _unit_seeds(w)), ("contest_b", _contest_seeds(w)),
                            ("contest_b_staff", {"user_account": _staff(w)})):
            domains[name] = owned_rows(before, seeds) | owned_rows(after, seeds)
        forbidden = set()
        for name, rows in domains.items():
            if name not in allowed:
                forbidden |= rows
        if "unit_b" in allowed:
            # A unit's people's own records in a contest (erased with the person, say) are theirs.
            forbidden -= domains["unit_b"] - domains["contest_b_staff"]
        if not as_outsider and self.role in TAKES_PART_IN_B and self.me is not None:  # registering for B
            forbidden -= owned_rows(after, {"user_account": {self.me}})
        return changes & forbidden

    def url(self, probe: Probe) -> str:
        with self.app.test_request_context():
            return url_for(probe.endpoint, **probe.values, **(probe.query or {}))

    def send(self, probe: Probe):
        url = self.url(probe)
        headers = {}
        if probe.bearer and self.bearer:
            headers["Authorization"] = f"Bearer {self.bearer}"
        kwargs = {"headers": headers, "follow_redirects": True}
        if probe.method == "POST":
            if probe.json is not None:
                headers["X-CSRFToken"] = self.csrf
                kwargs["json"] = probe.json
            else:
                data = {"csrf_token": self.csrf}
                for key, value in (probe.data or {}).items():
                    data[key] = (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
                kwargs["data"] = data
            response = self.client.post(url, **kwargs)
        else:
            response = self.client.get(url, **kwargs)
        self.requests += 1
        first = response.history[0].status_code if response.history else response.status_code
        self.statuses[first] += 1
        where = f"{self.role}: {probe.method} {url}"
        if response.status_code >= 500:
            self.errors.append(f"{where} -> {response.status_code}")
        if response.status_code < 400 or first < 400:
            allowed_here = PUBLIC_BY_DESIGN.get(probe.endpoint, set())
            found = markers_in(body_text(response), self.world.markers, set(self.world.markers))
            self.seen.update(c for c, _ in found)
            found = [(c, m) for c, m in found if c in self.hidden - allowed_here]
            if found:
                shown = ", ".join(sorted({f"{c}:{m}" for c, m in found}))
                final = f" (-> {response.request.path})" if response.history else ""
                self.leaks.append(f"READ {where} -> {first}{final} shows {shown}")
        return response

    def run(self, all_probes: list[Probe]) -> None:
        with self.app.app_context():
            self._run(all_probes)

    def _run(self, all_probes: list[Probe]) -> None:
        # Only a probe that wrote something is compared (and put back): watching the SQL is
        # much cheaper than reading every table after every request.
        engine = db.engine
        event.listen(engine, "before_cursor_execute", self._saw_statement)
        try:
            self._run_probes(all_probes)
        finally:
            event.remove(engine, "before_cursor_execute", self._saw_statement)

    def _saw_statement(self, conn, cursor, statement, parameters, context, executemany):
        if WRITES.match(statement) and "audit_event" not in statement[:40]:
            self.wrote = True

    def _run_probes(self, all_probes: list[Probe]) -> None:
        self.sign_in()
        pristine = snapshot()
        for probe in all_probes:
            self.wrote = False
            steps = [probe, *probe.then]
            while steps:
                step = steps.pop(0)
                response = self.send(step)
                if step.after is not None:
                    steps[:0] = step.after(response.request.path)
            if not self.wrote:
                if not self.signed_in(ask=False):
                    self.sign_in()
                    pristine = snapshot()
                continue
            after = snapshot()
            changes = changed_rows(pristine, after)
            if not changes:
                if not self.signed_in(ask=False):
                    self.sign_in()
                    pristine = snapshot()
                continue
            self.b_writes += bool(self.forbidden_changes(pristine, after, changes, as_outsider=True))
            hit = sorted(self.forbidden_changes(pristine, after, changes))
            if hit:
                rows = ", ".join(f"{t}#{k[0] if len(k) == 1 else k}" for t, k in hit[:8])
                chain = f" (+ {', '.join(self.url(s) for s in probe.then)})" if probe.then else ""
                self.leaks.append(f"WRITE {self.role}: {probe.method} {self.url(probe)}{chain} changed B's rows {rows}")
            restore(pristine, after)
            write_files(self.world)
            if not self.signed_in(ask=True):
                self.sign_in()
                pristine = snapshot()


def _staff(w: World) -> set[int]:
    """Accounts holding a role on contest B (one of them a teacher of unit A)."""
    return {w.users[n] for n in ("mx.gvab", "mx.btcb", "mx.gkb")}


def _unit_seeds(w: World) -> dict[str, set[int]]:
    return {"organization": set(w.b_rows["organization"]),
            "user_account": {w.users[n] for n in ("mx.qlb", "mx.gvb", "mx.hsb1", "mx.hsb2")}}


def _contest_seeds(w: World) -> dict[str, set[int]]:
    return {"contest": set(w.b_rows["contest"]), "question_bank": set(w.b_rows["question_bank"])}


# --- the tests ---------------------------------------------------------------------------------


def test_every_rule_has_a_probe(matrix):
    """A new endpoint must be added to probes(): name the rules nobody attacks."""
    app, world = matrix
    covered = set()
    for role in ROLES:
        runner = Runner(app, world, role)
        for probe in probes(world, runner.me, runner.username):
            for step in [probe, *probe.then]:
                path = runner.url(step).split("?")[0]
                adapter = app.url_map.bind("localhost")
                rule, _ = adapter.match(path, method=step.method, return_rule=True)
                covered.add((rule.rule, step.method))
    missing = sorted(f"{method} {rule.rule} ({rule.endpoint})"
                     for rule in app.url_map.iter_rules()
                     for method in rule.methods - {"HEAD", "OPTIONS"} if (rule.rule, method) not in covered)
    assert not missing, ("rules with no probe in tests/access/test_scope_matrix.py probes(); add requests "
                         "aimed at unit B / contest B for:\n" + "\n".join(missing))


@pytest.mark.parametrize("role", ROLES)
def test_role_sees_and_changes_nothing_of_b(matrix, role, request):
    app, world = matrix
    runner = Runner(app, world, role)
    runner.run(probes(world, runner.me, runner.username))
    variant = request.node.callspec.params.get("matrix", "main")
    FIGURES.record(variant, role, runner.requests, runner.statuses, runner.leaks, runner.errors)
    # The matrix sees what it looks for: the roles entitled to B's data meet every category of
    # it, and the admin's changes to B's rows are noticed (as allowed).
    assert ALLOWED[role] <= runner.seen, f"{role} never met {sorted(ALLOWED[role] - runner.seen)}"
    if role == "admin":
        assert runner.b_writes >= 10, runner.b_writes
    assert not runner.errors, "server errors:\n" + "\n".join(runner.errors)
    assert not runner.leaks, f"{len(runner.leaks)} leak(s):\n" + "\n".join(runner.leaks)

