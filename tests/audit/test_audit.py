"""Audit log page: admins only, filters, CSV export that is itself logged."""

import csv
import io

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.conftest import csrf_token, login, post_form


def test_only_admins_see_the_audit_log(client, sample_tree, make_user):
    make_user("ql.a", org=sample_tree["school_a"], roles=[("manager", sample_tree["school_a"])])
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    make_user("hs.an", org=sample_tree["class_a1"])
    for username in ("ql.a", "gv.a1", "hs.an"):
        login(client, username)
        assert client.get("/admin/audit/").status_code == 404
        assert client.get("/admin/audit/export.csv").status_code == 404
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_role_changes_show_and_filter_and_export(client, sample_tree, make_user):
    make_user("admin", roles=[("admin", None)])
    target = make_user("gv.moi", full_name="Phạm Thị Thu", org=sample_tree["school_a"])
    login(client, "admin")
    post_form(client, f"/admin/users/{target.id}/roles", {"role": "teacher", "org_code": "SA-1"},
              page=f"/admin/users/{target.id}")
    page = client.get("/admin/audit/?action=role.grant").get_data(as_text=True)
    assert "Cấp vai trò" in page or "Role granted" in page
    # Details by their labels, codes by theirs (issue 18: "role: teacher" was shown as stored).
    assert "Vai trò: Giáo viên" in page and "Mã đơn vị: SA-1" in page and "role: teacher" not in page
    assert "Vai trò: Giáo viên" not in client.get("/admin/audit/?action=roster.import").get_data(as_text=True)
    exported = client.get("/admin/audit/export.csv?action=role.grant")
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset parameter
    text = exported.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Thời điểm (giờ Việt Nam)", "Người thực hiện", "Hành động", "Đối tượng", "Đơn vị số", "Thông tin",
                       "Địa chỉ IP"]
    assert any("Vai trò: Giáo viên" in r[5] and r[3] == f"Tài khoản số {target.id}" for r in rows[1:])
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "audit.export")) is not None
