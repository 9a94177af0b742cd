"""Review follow-ups outside the report pages: the audit log's Vietnam-day filter and the
menu's "admin or role X" entries."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from lms.audit.models import AuditEvent
from lms.core.nav import NAV_ENTRIES, shows
from lms.extensions import db
from tests.conftest import login


def test_audit_log_dates_are_whole_vietnam_days(client, make_user):
    make_user("admin", roles=[("admin", None)])
    # 16:59 and 17:00 UTC on 9 March are 23:59 on 9 March and 00:00 on 10 March in Vietnam.
    for minute, label in ((datetime(2026, 3, 9, 16, 59), "late-9"), (datetime(2026, 3, 9, 17, 0), "early-10"),
                          (datetime(2026, 3, 10, 16, 59), "late-10"), (datetime(2026, 3, 10, 17, 0), "early-11")):
        db.session.add(AuditEvent(at=minute, action="test.mark", detail={"label": label}))
    db.session.commit()
    login(client, "admin")

    def labels(query):
        text = client.get(f"/admin/audit/export.csv?action=test.mark&{query}").get_data(as_text=True)
        return sorted(row[5] for row in list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:])

    # (A key no service logs, so shown under its own name: lms/audit/display.py.)
    assert labels("since=2026-03-10&until=2026-03-10") == ["label: early-10", "label: late-10"]
    assert labels("until=2026-03-09") == ["label: late-9"]
    assert labels("since=2026-03-11") == ["label: early-11"]
    # An unreadable or out-of-range date is refused, not ignored: ignoring it would export more
    # entries than asked for (issue 14, fault 11d); the page shows the message on the field.
    for bad in ("not-a-date", "9999-12-31"):
        assert client.get(f"/admin/audit/export.csv?action=test.mark&since={bad}").status_code == 400
        assert "2100-12-31" in client.get(f"/admin/audit/?since={bad}").get_data(as_text=True)


def test_menu_entries_for_admins_and_role_holders(app, make_user, sample_tree):
    admin = make_user("admin", roles=[("admin", None)])
    manager = make_user("ql.a", org=sample_tree["school_a"], roles=[("manager", sample_tree["school_a"])])
    teacher = make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    author = make_user("tac.gia", roles=[("author", None)])
    allowed = {endpoint: rule for endpoint, _label, rule in NAV_ENTRIES}
    seen = {endpoint: [shows(rule, user) for user in (admin, manager, teacher, author)]
            for endpoint, rule in allowed.items()
            if endpoint in ("api_tokens.index", "quiz_admin.banks", "contest_admin.index")}
    assert seen == {
        "api_tokens.index": [True, True, False, False],
        "quiz_admin.banks": [True, False, False, True],
        "contest_admin.index": [True, False, False, False],
    }
