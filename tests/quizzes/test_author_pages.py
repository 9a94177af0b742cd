"""Authors' bank pages and learners' practice, through the client with CSRF."""

import io

from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.models import Attempt, Question
from tests.conftest import csrf_token, login, post_form
from tests.quizzes.test_formats import moodle_file


def upload(client, name, data, bank, fmt="auto", replace=False, skip_essays=False):
    token = csrf_token(client, "/quizzes/banks/import")
    form = {"csrf_token": token, "bank": bank, "format": fmt, "file": (io.BytesIO(data), name)}
    if replace:
        form["replace"] = "y"
    if skip_essays:
        form["skip_essays"] = "y"
    return client.post("/quizzes/banks/import", data=form, content_type="multipart/form-data")


def test_author_imports_gift_sees_stats_and_exports(client, make_user):
    make_user("tacgia", roles=[("author", None)])
    login(client, "tacgia")
    data = moodle_file("questions.gift.txt").read_bytes()
    # Its essay (line 2) cannot be put on a paper yet: refused, naming the line...
    refused = upload(client, "questions.gift.txt", data, "moodle").get_data(as_text=True)
    assert "Dòng 2: câu tự luận" in refused and db.session.scalar(select(Question.id)) is None
    # ...unless the author asks to skip essays; the report says what came across, by type.
    response = upload(client, "questions.gift.txt", data, "moodle", skip_essays=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("Đã nhập: 1 trắc nghiệm một đáp án, 1 trắc nghiệm nhiều đáp án, 3 đúng/sai, 1 trả lời ngắn, "
            "1 trả lời số, 1 ghép đôi.") in html
    assert "Dòng 2: đã bỏ qua 1 câu tự luận (dòng 2)" in html
    assert db.session.scalar(select(Question.id).where(Question.key == "Q2")) is not None
    page = client.get("/quizzes/banks/moodle").get_data(as_text=True)
    assert "What's between orange and green in the spectrum?" in page  # rendered Markdown
    gift = client.get("/quizzes/banks/moodle/export.gift")
    assert gift.status_code == 200 and b"::Q2::" in gift.data
    template = client.get("/quizzes/banks/template.xlsx")
    assert template.data[:2] == b"PK"


def test_a_broken_upload_lists_every_problem_and_imports_nothing(client, make_user):
    make_user("tacgia", roles=[("author", None)])
    login(client, "tacgia")
    bad = "Câu 1? {=a ~b}\n\nCâu 2 {#x}\n\nCâu 3? {=a\n".encode()
    html = upload(client, "bad.gift", bad, "hong").get_data(as_text=True)
    assert "Dòng 3" in html and "Dòng 5" in html
    assert db.session.scalar(select(Question.id)) is None


def test_learners_cannot_reach_author_pages(client, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    for url in ("/quizzes/banks", "/quizzes/banks/import", "/quizzes/banks/template.xlsx"):
        assert client.get(url).status_code == 404
    assert upload(client, "x.gift", b"Q {=a ~b}", "x").status_code == 404


def test_practice_gives_instant_feedback_and_records_no_attempt(client, make_user, content_dirs):
    from lms.courses.sync import sync_content
    from lms.quizzes.formats.markdown import parse_markdown_bank
    from lms.quizzes.services import load_bank

    sync_content(*content_dirs)
    load_bank("dvc", parse_markdown_bank("---\ntitle: T\n---\n## Ứng dụng định danh?\ntags: vneid\n- [x] VNeID\n- [ ] Zalo\n\n> Chính thức.\n"))
    db.session.commit()
    make_user("hs.an")
    login(client, "hs.an")
    page = client.get("/quizzes/practice/dich-vu-cong?tag=vneid").get_data(as_text=True)
    assert "Ứng dụng định danh?" in page
    version_id = int(page.split('name="v" value="')[1].split('"')[0])
    result = post_form(client, "/quizzes/practice/dich-vu-cong", {"v": version_id, "answer": "0"},
                       page="/quizzes/practice/dich-vu-cong").get_data(as_text=True)
    assert "Chính thức." in result and "✓" in result
    assert db.session.scalar(select(Attempt.id)) is None
    assert client.get("/quizzes/practice/dich-vu-cong?tag=khong-co").status_code == 404


def test_the_bank_page_shows_each_question_s_options_and_key(client, make_user):
    from lms.quizzes.formats.markdown import parse_markdown_bank
    from lms.quizzes.services import load_bank

    load_bank("kiem-tra", parse_markdown_bank(
        "---\ntitle: Kiểm tra\n---\n## Ứng dụng định danh?\n- [ ] Zalo\n- [x] **VNeID**\n\n"
        "## Tên ứng dụng định danh?\n= VNeID\n\n## Hai cộng hai?\n= 4\n\n"
        "## Ghép cơ quan\n- Bộ Công an -> VNeID\n- Bộ Y tế -> Sổ sức khoẻ\n"))
    db.session.commit()
    make_user("tacgia", roles=[("author", None)])
    login(client, "tacgia")
    html = client.get("/quizzes/banks/kiem-tra").get_data(as_text=True)
    # The right option is marked for the eye and for a screen reader; the wrong one is not.
    assert ('<li><span aria-hidden="true">✓</span><span class="sr-only">đáp án đúng:</span> '
            "<strong>VNeID</strong></li>") in html
    assert "<li>Zalo</li>" in html
    assert "Đáp án được chấp nhận: VNeID" in html and "Đáp án được chấp nhận: 4" in html
    assert "Bộ Công an → VNeID" in html and "Bộ Y tế → Sổ sức khoẻ" in html
    # The column counts responses, and says so.
    assert "Lượt trả lời" in html
