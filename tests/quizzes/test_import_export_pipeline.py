"""The import and export pipeline (issue #15, faults 3 and 6): essays refused with their lines
unless the author asks to skip them, the report says what came across by type, a command-line
import that loses anything exits non-zero, and exports list what they could not carry."""

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.models import Question
from tests.conftest import login
from tests.quizzes.test_author_pages import upload
from tests.support.shared_fixtures import public_case, shared_fixture

ESSAY_FILE = Path("gift-essay-and-description.gift.txt")


def test_an_essay_refuses_the_import_naming_its_line(app):
    fmt, parsed = services.parse_upload("bai.gift.txt", public_case(ESSAY_FILE.name).read_bytes())
    assert fmt == "gift" and parsed.questions == []
    assert [issue.line for issue in parsed.issues] == [4]
    assert "câu tự luận" in parsed.issues[0].message and "--skip-essays" in parsed.issues[0].message
    # Every essay is named, each at its own line, beside the file's other problems.
    _, parsed = services.parse_upload("x.gift", b"A? {}\n\nB? {=a ~b}\n\nC? {#x}\n\nD? {}\n")
    assert [(i.line, "tự luận" in i.message) for i in parsed.issues] == [(1, True), (5, False), (7, True)]


def test_skipping_essays_imports_the_rest_and_says_so(app):
    _, parsed = services.parse_upload("bai.gift.txt", public_case(ESSAY_FILE.name).read_bytes(), skip_essays=True)
    assert parsed.issues == []
    assert [q.type for q in parsed.questions] == ["description", "single", "single"]
    assert [q.name for q in parsed.skipped] == ["tu-luan"]
    assert [str(note.message) for note in parsed.notes if "tự luận" in str(note.message)] == [
        "đã bỏ qua 1 câu tự luận (dòng 4)"]
    assert services.type_counts(parsed.questions) == "2 trắc nghiệm một đáp án, 1 đoạn mô tả"


def test_bank_files_with_an_essay_are_refused_by_the_content_check(tmp_path):
    (tmp_path / "bai.md").write_text("---\ntitle: T\n---\n## Viết cảm nghĩ\ntype: essay\n\n## Chọn\n- [x] a\n- [ ] b\n",
                                     encoding="utf-8")
    problems = services.check_bank_files(tmp_path)
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path / 'bai.md'}:4: ")


def test_command_line_import_refuses_essays_and_exits_3_when_it_skips_them(app):
    runner = app.test_cli_runner()
    path = str(public_case(ESSAY_FILE.name))
    refused = runner.invoke(args=["import-questions", path, "--bank", "tinh-huong"])
    assert refused.exit_code == 1 and "dòng 4:" in refused.output and "chưa nhập gì" in refused.output
    assert db.session.scalar(select(Question.id)) is None
    dry = runner.invoke(args=["import-questions", path, "--bank", "tinh-huong", "--skip-essays", "--dry-run"])
    assert dry.exit_code == 3 and "(2 trắc nghiệm một đáp án, 1 đoạn mô tả)" in dry.output
    done = runner.invoke(args=["import-questions", path, "--bank", "tinh-huong", "--skip-essays"])
    assert done.exit_code == 3, done.output
    assert "Đã nhập 3 câu hỏi (Moodle GIFT)" in done.output
    assert "Theo loại: 2 trắc nghiệm một đáp án, 1 đoạn mô tả" in done.output
    assert "đã bỏ qua 1 câu tự luận (dòng 4)" in done.output
    whole = runner.invoke(args=["import-questions", str(public_case("gift-answer-feedback-and-nbsp.gift.txt")),
                                "--bank", "phan-hoi"])
    assert whole.exit_code == 0 and "Theo loại: 1 trắc nghiệm một đáp án, 1 đúng/sai, 1 trả lời số" in whole.output


def test_command_line_export_lists_what_the_format_cannot_carry(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["import-questions", str(public_case("gift-moodle-export-html-answers.gift.txt")),
                        "--bank", "moodle-html"])
    out = tmp_path / "bank.xlsx"
    result = runner.invoke(args=["export-questions", "--bank", "moodle-html", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0 and out.exists()
    assert "bỏ ra 1 câu hỏi" in result.output
    assert "mẫu Excel không có cột cho các cặp ghép đôi: Ghép dịch vụ (ghép đôi)" in result.output
    strict = runner.invoke(args=["export-questions", "--bank", "moodle-html", "--format", "xlsx", "-o", str(out),
                                 "--strict"])
    assert strict.exit_code == 3
    whole = runner.invoke(args=["export-questions", "--bank", "moodle-html", "--format", "md", "--strict"])
    assert whole.exit_code == 0 and "không giữ được hết" not in whole.output


def test_the_export_page_lists_losses_before_the_download(client, make_user):
    make_user("tacgia", roles=[("author", None)])
    login(client, "tacgia")
    upload(client, "bai.gift.txt", public_case(ESSAY_FILE.name).read_bytes(), "tinh-huong", skip_essays=True)
    page = client.get("/quizzes/banks/tinh-huong/export.xlsx")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "mẫu Excel không có dòng cho đoạn mô tả: gioi-thieu (đoạn mô tả)" in html
    assert "export.xlsx?anyway=1" in html
    anyway = client.get("/quizzes/banks/tinh-huong/export.xlsx?anyway=1")
    assert anyway.data[:2] == b"PK" and "tinh-huong.xlsx" in anyway.headers["Content-Disposition"]
    markdown = client.get("/quizzes/banks/tinh-huong/export.md")  # carries everything: straight download
    assert markdown.mimetype == "text/markdown" and "type: description" in markdown.get_data(as_text=True)
    # One charset parameter: "charset=utf-8; charset=utf-8" confuses strict clients.
    assert markdown.headers["Content-Type"] == "text/markdown; charset=utf-8"
    aiken = client.get("/quizzes/banks/tinh-huong/export.aiken?anyway=1")
    assert "tinh-huong.aiken.txt" in aiken.headers["Content-Disposition"]
    assert "ANSWER: A" in aiken.get_data(as_text=True)


@pytest.mark.parametrize("name,data,expected", [
    ("bai.aiken.txt", b"Tap {1, 2} co may phan tu?\nA) 1\nB) 2\nANSWER: B\n", "aiken"),
    ("bai.txt", "Tập {1, 2} có mấy phần tử?\nA) 1\nB) 2\nANSWER: B\n".encode(), "aiken"),
    ("bai.gift.txt", b"Q? {=a ~b}", "gift"),
    ("export.txt", "::q1::[markdown]Câu?{\n\t=Có\n\t~Không\n}\n".encode(), "gift"),
    ("bai.txt", "## Câu?\n- [x] Có\n- [ ] Không\n".encode(), "md"),
    ("bai.txt", b"Essay? {}", "gift"),
])
def test_detect_format_recognises_our_exports_and_moodles_files(name, data, expected):
    assert services.detect_format(name, data) == expected


@pytest.mark.parametrize("fmt", ["md", "gift"])  # the Excel template has no names to match by
def test_a_bank_imported_again_from_its_own_export_in_another_format_is_unchanged(app, fmt):
    """Moodle's GIFT, exported as Markdown or GIFT and imported back into the same bank:
    every question the format carries is "unchanged", not a new version (a numeric answer's
    absent feedback or unset comparison options are spelled differently by each format)."""
    data = shared_fixture("moodle", "questions.gift.txt").read_bytes()
    _, parsed = services.parse_upload("questions.gift.txt", data, skip_essays=True)
    services.load_bank("moodle-q", parsed)
    db.session.commit()
    exported = services.export_bank("moodle-q", fmt, None)
    _, again = services.parse_upload(f"moodle-q.{fmt}", exported)
    assert again.issues == []
    _, report = services.load_bank("moodle-q", again, replace=False)
    assert (report.created, report.updated) == (0, 0) and report.unchanged == len(again.questions)
