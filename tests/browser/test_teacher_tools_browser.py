"""A teacher's tools in Chromium, at 360×740 and on a desktop: the join code's short link,
QR code and projector poster; the class report in given-name order, with a click through to a
student's attempts and answers; the class list on A4 paper; and no page of theirs that scrolls
sideways on a phone (issue 18, fault 6: /admin/orgs/<id> was 412 px wide at 360)."""

from __future__ import annotations

import io
from datetime import date

import pypdfium2
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from lms.auth.models import RoleAssignment
from lms.auth.services import NewUser, create_user
from lms.courses.models import Assignment, Course, Enrollment, Lesson, LessonProgress
from lms.extensions import db
from lms.orgs.services import create_org
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.reports.services import vn_today
from tests.browser.conftest import screenshot, sign_in

PASSWORD = "mat khau giao vien"
# A real deployment's address is longer than the development server's: the join link on the
# unit page is what made it 412 px wide.
PUBLIC = "https://hocdichvucong.hanoi.gov.vn"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
STUDENTS = ["Trần Thị Bình", "Nguyễn Văn An", "Đặng Thu Đào", "Lê Văn Dũng", "Phạm Ngọc Ánh", "Vũ Minh Ân"]
BANK = """---
title: "Kiểm tra: dịch vụ công trực tuyến"
review: after_submit
shuffle_questions: false
shuffle_options: false
---
## Ứng dụng định danh điện tử quốc gia là gì?
- [x] VNeID
- [ ] Zalo

## Có được đọc mã OTP cho người lạ không?
- [ ] Được
- [x] Không
"""


def _class_world(app):
    """Sở > Trường > Lớp 11A1 (join code LOP11A1X) with six students, a course with a quiz, and
    An's submitted attempt (one answer right, one wrong); the teacher gv.cva and, in another
    class, gv.khac."""
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    department = create_org("HN-SGDDT", "Sở Giáo dục và Đào tạo Hà Nội", "department")
    school = create_org("HN-THPT-CVA", "Trường THPT Chu Văn An", "school", parent=department, headcount=1500)
    klass = create_org("HN-THPT-CVA-11A1", "Lớp 11A1", "class", parent=school, headcount=42)
    other = create_org("HN-THPT-CVA-11A2", "Lớp 11A2", "class", parent=school)
    klass.join_code = "LOP11A1X"
    course = Course(slug="dvc", title="Dịch vụ công trực tuyến", lesson_count=3, quiz_slug="dvc",
                    audience=",student,")
    db.session.add(course)
    db.session.flush()
    lessons = [Lesson(course_id=course.id, slug=f"bai-{i}", position=i, title=f"Bài {i}") for i in (1, 2, 3)]
    db.session.add_all(lessons)
    db.session.add(Assignment(course_id=course.id, org_id=school.id, due_on=vn_today()))
    people = {}
    for n, name in enumerate(STUDENTS):
        people[name] = create_user(NewUser(username=f"hs.{n}", full_name=name, kind="student", org=klass,
                                           password=PASSWORD, date_of_birth=date(2009, 1 + n, 10 + n)))
    db.session.flush()
    an = people["Nguyễn Văn An"]
    db.session.add_all([LessonProgress(user_id=an.id, lesson_id=lesson.id, read_at=vn_today()) for lesson in lessons])
    db.session.add(Enrollment(user_id=an.id, course_id=course.id, quiz_score=50.0))
    teacher = create_user(NewUser(username="gv.cva", full_name="Lê Văn Đức", org=school, password=PASSWORD))
    db.session.add(RoleAssignment(user=teacher, role="teacher", org=klass))
    colleague = create_user(NewUser(username="gv.khac", full_name="Hoàng Thị Lan", org=school, password=PASSWORD))
    db.session.add(RoleAssignment(user=colleague, role="teacher", org=other))
    bank, _ = quiz_services.load_bank("dvc", parse_markdown_bank(BANK))
    db.session.commit()
    attempt = quiz_services.start_attempt(an, bank, course=course)
    versions = quiz_services._item_versions(attempt)
    for item in attempt.items:
        version = versions[item["v"]]
        quiz_services.save_answer(attempt, version.id, ["0"])  # VNeID (right), Được (wrong)
    quiz_services.finish_attempt(attempt)
    db.session.commit()
    return {"class": klass, "an": an, "attempt": attempt}


def _width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def _fits_a_phone(page, url: str, name: str) -> None:
    page.set_viewport_size(PHONE)
    response = page.goto(url)
    assert response.status == 200, url
    # Closed <details> hold nothing in the layout: open them, as a curious user would.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert _width(page) <= 360, (url, _width(page))
    # Nor does a table scroll sideways inside its box, where columns hide off-screen.
    hidden = page.evaluate("[...document.querySelectorAll('.table-wrap')]"
                           ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.scrollWidth)")
    assert not hidden, (url, hidden)
    screenshot(page, f"teacher-{name}-360")
    page.set_viewport_size(DESKTOP)
    page.goto(url)
    screenshot(page, f"teacher-{name}-desktop")


def _is_a4(size) -> bool:
    """210 × 297 mm is 595.3 × 841.9 points; Chromium rounds to whole CSS pixels."""
    width, height = size
    return abs(width - 595.3) < 2 and abs(height - 841.9) < 2


def _qr_text(page, selector: str) -> str:
    image = Image.open(io.BytesIO(page.locator(selector).screenshot()))
    found = [result.text for result in zxingcpp.read_barcodes(image)]
    assert len(found) == 1, found
    return found[0]


def test_the_unit_page_and_every_teacher_page_fit_a_phone(live_server, page):
    app, base = live_server
    world = _class_world(app)
    sign_in(page, base, "gv.cva", PASSWORD)
    klass = world["class"]
    for url, name in [
        (f"/admin/orgs/{klass.id}", "unit"),
        (f"/admin/orgs/{klass.id}/join-poster", "poster"),
        ("/reports/class/HN-THPT-CVA-11A1", "class-report"),
        ("/reports/class/HN-THPT-CVA-11A1/list", "class-list"),
        (f"/reports/learner/{world['an'].id}", "learner"),
        ("/admin/users/?org=HN-THPT-CVA-11A1", "people"),
        ("/admin/users/login-slips", "slips-form"),
    ]:
        _fits_a_phone(page, base + url, name)


def test_the_join_code_travels_by_link_and_qr_code(live_server, browser):
    app, base = live_server
    klass = _class_world(app)["class"]
    context = browser.new_context(locale="vi-VN", viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    sign_in(page, base, "gv.cva", PASSWORD)
    page.goto(f"{base}/admin/orgs/{klass.id}")
    link = f"{PUBLIC}/j/LOP11A1X"
    assert page.locator("#join-link").get_attribute("href") == link
    assert _qr_text(page, ".join-qr svg") == link  # the QR code on the unit page reads back
    page.get_by_role("button", name="Sao chép liên kết").click()
    expect(page.get_by_role("status")).to_have_text("Đã sao chép liên kết: hãy dán vào tin nhắn của bạn.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    # The poster: on a projector (landscape) and on a phone, the QR code reads back.
    page.get_by_role("link", name="Trình chiếu hoặc in mã").click()
    page.wait_for_url("**/join-poster")
    assert page.locator(".site-header").count() == 0
    for size, name in ((PHONE, "360"), ({"width": 1280, "height": 720}, "projector")):
        page.set_viewport_size(size)
        assert _qr_text(page, ".poster-qr svg") == link
        _the_code_reads_as_one(page, "LOP11A1X")
        screenshot(page, f"teacher-poster-{name}")
    # On A4 paper: one page, without the page's own buttons.
    page.emulate_media(media="print")
    assert page.locator(".poster-tools").is_hidden()
    pdf = pypdfium2.PdfDocument(page.pdf(format="A4", prefer_css_page_size=True))
    assert len(pdf) == 1 and _is_a4(pdf[0].get_size())
    pdf.close()
    context.close()


def _the_code_reads_as_one(page, code: str) -> None:
    """The poster's join code is one unbroken word: no space or line break inside it (a 360 px
    phone showed "LOP1 1A1X", two halves that read as two codes), its box one line high and
    inside the screen, and the page never scrolls sideways."""
    poster_code = page.locator(".poster-code")
    assert poster_code.inner_text() == code
    box = poster_code.bounding_box()
    line = page.evaluate("""() => { const el = document.querySelector('.poster-code');
        const s = getComputedStyle(el); return parseFloat(s.lineHeight) || 1.2 * parseFloat(s.fontSize); }""")
    assert box["height"] < 1.5 * line, (box, line)
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box
    assert _width(page) <= page.viewport_size["width"]


def test_without_javascript_the_link_is_selected_in_one_tap(live_server, browser):
    app, base = live_server
    klass = _class_world(app)["class"]
    context = browser.new_context(locale="vi-VN", viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base, "gv.cva", PASSWORD)
    page.goto(f"{base}/admin/orgs/{klass.id}")
    assert page.get_by_role("button", name="Sao chép liên kết").count() == 0  # hidden: it would do nothing
    assert page.locator("#join-link").evaluate("e => getComputedStyle(e).userSelect") == "all"
    assert page.get_by_role("link", name="Trình chiếu hoặc in mã").is_visible()
    context.close()


def test_a_learner_follows_the_short_link_and_an_old_one_says_it_changed(live_server, page):
    app, base = live_server
    klass = _class_world(app)["class"]
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/j/LOP11A1X")
    page.wait_for_url("**/register?code=LOP11A1X")
    assert page.get_by_label("Mã tham gia").input_value() == "LOP11A1X"
    assert "Lớp 11A1" in page.locator("main").inner_text()
    screenshot(page, "teacher-short-link-register-360")
    klass.join_code = "MOI2026X"
    db.session.commit()
    response = page.goto(f"{base}/j/LOP11A1X")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Liên kết tham gia này không còn dùng được"
    screenshot(page, "teacher-short-link-dead-360")
    page.get_by_label("Mã tham gia mới").fill("moi2026x")
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_url("**/register?code=moi2026x")
    assert "Lớp 11A1" in page.locator("main").inner_text()  # the new code is recognised
    assert _width(page) <= 360


def test_a_teacher_clicks_a_student_to_see_the_answers(live_server, page):
    app, base = live_server
    world = _class_world(app)
    sign_in(page, base, "gv.cva", PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/reports/class")  # one class: straight to it
    page.wait_for_url("**/reports/class/HN-THPT-CVA-11A1")
    names = page.locator("table.report-matrix tbody th[scope=row]").all_inner_texts()
    # Tên first, in Vietnamese order: An, Ánh, Ân, Bình, Dũng, Đào.
    assert names == ["Nguyễn Văn An", "Phạm Ngọc Ánh", "Vũ Minh Ân", "Trần Thị Bình", "Lê Văn Dũng", "Đặng Thu Đào"]
    page.get_by_label("Sắp xếp học sinh theo").select_option("full")
    page.get_by_role("button", name="Hiển thị", exact=True).click()
    names = page.locator("table.report-matrix tbody th[scope=row]").all_inner_texts()
    assert names[0] == "Đặng Thu Đào" and names[-1] == "Vũ Minh Ân"
    page.get_by_role("link", name="Nguyễn Văn An").click()
    page.wait_for_url(f"**/reports/learner/{world['an'].id}")
    answers = page.locator(".learner-answers")
    assert "Ứng dụng định danh điện tử quốc gia là gì?" in answers.inner_text()
    assert answers.get_by_text("✓ Đúng").count() == 1 and answers.get_by_text("✗ Sai").count() == 1
    assert "Câu trả lời:" in answers.inner_text() and "VNeID" in answers.inner_text()
    assert _width(page) <= 360
    screenshot(page, "teacher-learner-answers-360")
    # A teacher of another class cannot open it.
    page.context.clear_cookies()
    sign_in(page, base, "gv.khac", PASSWORD)
    response = page.goto(f"{base}/reports/learner/{world['an'].id}")
    assert response.status == 404


def test_the_class_list_prints_on_a4_without_menus(live_server, page):
    app, base = live_server
    _class_world(app)
    sign_in(page, base, "gv.cva", PASSWORD)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/reports/class/HN-THPT-CVA-11A1/list")
    rows = page.locator("table.print-list tbody th[scope=row]").all_inner_texts()
    assert rows[:3] == ["Nguyễn Văn An", "Phạm Ngọc Ánh", "Vũ Minh Ân"]
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator(".no-print").first.is_hidden()
    assert page.locator("table.print-list thead").is_visible()
    pdf = pypdfium2.PdfDocument(page.pdf(format="A4", prefer_css_page_size=True))
    assert _is_a4(pdf[0].get_size())
    text = pdf[0].get_textpage().get_text_range()
    assert "Nguyễn Văn An" in text and "Danh sách lớp" in text and "Đăng xuất" not in text
    pdf[0].render(scale=1.5).to_pil().save(screenshot(page, "teacher-class-list-print").with_name(
        "teacher-class-list-a4.png"))
    pdf.close()


def test_login_slips_print_two_to_a_row_on_a4(live_server, page):
    app, base = live_server
    world = _class_world(app)
    for n, name in enumerate(["Hà Văn Khải", "Lò Thị Mai", "Sùng A Páo"]):
        create_user(NewUser(username=f"hs.moi{n}", full_name=name, kind="student", org=world["class"]))
    db.session.commit()
    sign_in(page, base, "gv.cva", PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/admin/users/login-slips")
    # The teacher's only class is chosen already, from a list rather than a typed code.
    assert page.get_by_label("Đơn vị").evaluate("e => e.tagName") == "SELECT"
    assert page.get_by_label("Đơn vị").input_value() == "HN-THPT-CVA-11A1"
    screenshot(page, "teacher-slips-form-chosen-360")
    # Printing may take a confirmation step first: say yes to it up front.
    page.evaluate("document.querySelector('main form').insertAdjacentHTML('beforeend', "
                  "'<input type=hidden name=confirm value=yes>')")
    page.get_by_role("button", name="Tạo phiếu đăng nhập").click()
    page.locator(".slip").first.wait_for()
    assert _width(page) <= 360
    screenshot(page, "teacher-slips-360")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    pdf = pypdfium2.PdfDocument(page.pdf(format="A4", prefer_css_page_size=True))
    assert _is_a4(pdf[0].get_size())
    text = pdf[0].get_textpage().get_text_range()
    assert "Sùng A Páo" in text and "Đăng xuất" not in text
    pdf[0].render(scale=1.5).to_pil().save(screenshot(page, "teacher-slips-print").with_name("teacher-slips-a4.png"))
    pdf.close()
