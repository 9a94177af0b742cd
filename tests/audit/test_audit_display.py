"""The audit log in words (issue 18, fault 3: "{'course': None}" on the audit page): every
action and every detail key the code logs has a label, and values read as values."""

from __future__ import annotations

import ast
from pathlib import Path

from lms.audit.display import (
    ACTION_LABELS,
    DETAIL_LABELS,
    describe,
    detail_text,
    rate_limit_text,
    target_text,
)

LMS = Path(__file__).resolve().parents[2] / "lms"


def _logged() -> tuple[set[str], set[str]]:
    """(actions, detail keys) of every ``record_audit(...)`` call in the code, read from the
    source: a new call with a new key fails the test that follows until it has a label."""
    actions, keys = set(), set()
    for path in LMS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                    == "record_audit") or len(node.args) < 2:
                continue
            action = node.args[1]
            for constant in ast.walk(action):
                if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                    actions.add(constant.value)
            keys |= {k.arg for k in node.keywords if k.arg not in (None, "target", "org")}
    return actions, keys


def test_every_logged_action_and_detail_has_a_label():
    actions, keys = _logged()
    # Keys passed on through **detail by their callers (report filters, API reads, merges, changes).
    keys |= {"course_id", "audience", "since", "until", "rows", "on_behalf_of", "os_user", "count", "filter",
             "cursor", "statements", "merged", "changes"}
    assert not sorted(actions - set(ACTION_LABELS)), "actions without a label in lms/audit/display.py"
    assert not sorted(keys - set(DETAIL_LABELS)), "detail keys without a label in lms/audit/display.py"


def test_details_read_as_words_in_vietnamese(app):
    with app.test_request_context():
        assert describe("course.assign", {"course": "dvc", "due_on": None}) == [
            ("Khoá học", "dvc"), ("Hạn hoàn thành", "(không có)")]
        assert detail_text("org.headcount", {"headcount": [None, 1500]}) == "Biên chế / sĩ số: (không có) → 1.500"
        assert detail_text("role.grant", {"role": "teacher", "org_code": "SA-1", "contest_id": None}) == \
            "Vai trò: Giáo viên; Mã đơn vị: SA-1; Hội thi số: (không có)"
        assert detail_text("auth.login", {"one_time_code": False}) == "Bằng mã dùng một lần: không"
        assert detail_text("org.update", {"changes": {"kind": ["school", "class"], "name": ["A", "B"]}}) == \
            "Loại: Trường → Lớp; Tên đơn vị: A → B"
        settings = detail_text("contest.round.add", {"round": 1, "settings": {
            "kind": "quiz", "opens_at": "2026-12-01T06:00:00Z", "weight": 1.0, "hide_results_until_close": True,
            "counting": "best", "bank_id": None}})
        assert settings == ("Vòng thi: 1; Cài đặt: Loại: Bài kiểm tra; Bắt đầu (giờ Việt Nam): 13:00 01/12/2026; "
                            "Trọng số trong điểm chung cuộc: 1; Ẩn điểm và đáp án đến khi vòng thi kết thúc: có; "
                            "Lượt làm bài được tính: Cao nhất; Ngân hàng câu hỏi số: (không có)")
        assert detail_text("contest.judging.submit", {"kind": "article", "size": 12345, "replaced": False}) == \
            "Loại: Bài viết; Dung lượng (byte): 12.345; Thay bài đã nộp trước: không"
        assert detail_text("contest.judging.config", {"changes": {"accepted_kinds": [["link"], ["link", "file"]]}}) \
            == "Loại sản phẩm được nhận: Liên kết video → Liên kết video, Tệp ảnh hoặc PDF"
        assert detail_text("user.update", {"fields": ["full_name", "date_of_birth"]}) == \
            "Các mục đã sửa: Họ và tên, Ngày sinh"
        assert rate_limit_text("10 per 1 minute") == "10 lần trong 1 phút"
        assert target_text("user_account", 12) == "Tài khoản số 12" and target_text(None, None) == ""
