"""In Chromium, with the shipped courses: after the last lesson the course page points to the
quiz, after passing to the certificate (issue 18, fault 5); the learner's home shows her
assigned courses with due dates in words, progress, next steps, results, certificates and
an open contest. At 360x740 and on a desktop."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.models import User
from lms.contests import organise
from lms.contests import services as contest_services
from lms.core.timeutil import utcnow, vn_today
from lms.courses.models import Assignment, Course
from lms.extensions import db
from lms.orgs.services import create_org
from lms.quizzes.models import QuestionVersion
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
GUIDE = "su-dung-dich-vu-cong-truc-tuyen"  # its last lesson: "Khi gặp khó khăn"
FRAUD = "nhan-biet-lua-dao-truc-tuyen"


def right_values(version_id):
    version = db.session.scalar(select(QuestionVersion).where(QuestionVersion.id == version_id))
    if version.type in ("single", "multiple", "truefalse"):
        return [str(i) for i, c in enumerate(version.data["choices"]) if c["fraction"] > 0]
    answer = version.data["answers"][0]
    return [answer.get("text") or str(answer.get("value", answer.get("min")))]


def pass_the_quiz(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu làm bài").click()
    for fieldset in page.locator("fieldset[data-version]").all():
        version = int(fieldset.get_attribute("data-version"))
        kind = fieldset.get_attribute("data-type")
        if kind in ("single", "multiple", "truefalse"):
            for value in right_values(version):
                fieldset.locator(f"input[name='q{version}'][value='{value}']").check()
        elif kind == "matching":
            pairs = db.session.get(QuestionVersion, version).data["pairs"]
            for select, pair in zip(fieldset.locator("select").all(), [p for p in pairs if p.get("left")], strict=True):
                select.select_option(label=pair["right"])
        else:
            fieldset.locator("input[type=text]").fill(right_values(version)[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Nộp bài").click()  # every question answered: nothing is asked
    expect(page.locator(".result")).to_contain_text("100%")


def test_after_the_last_lesson_the_quiz_then_the_certificate(browser, shipped_site):
    page = browser.new_context(locale="vi-VN", viewport=PHONE).new_page()
    sign_in(page, shipped_site)
    page.goto(f"{shipped_site}/courses/{GUIDE}/")
    next_step = page.locator("#next-step a").first
    expect(next_step).to_have_text("Bắt đầu: Dịch vụ công trực tuyến là gì?")
    lessons = page.locator(".lesson-list li").count()
    assert lessons >= 6
    with page.expect_navigation():
        next_step.click()
    for _ in range(lessons):
        with page.expect_navigation():
            page.get_by_role("button", name="Tôi đã đọc xong bài này").click()
    # The last lesson's button leads to the final quiz; the course page points there too.
    assert page.url.endswith(f"/quizzes/course/{GUIDE}")
    page.goto(f"{shipped_site}/courses/{GUIDE}/")
    expect(next_step).to_have_text("Làm bài kiểm tra cuối khoá")  # not "Tiếp tục: Khi gặp khó khăn"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "course-next-quiz-360")
    with page.expect_navigation():
        next_step.click()
    pass_the_quiz(page)
    page.goto(f"{shipped_site}/courses/{GUIDE}/")
    expect(next_step).to_have_text("Tải chứng nhận (PDF)")
    expect(page.locator("#next-step").get_by_role("link", name="Chứng nhận của tôi")).to_be_visible()
    screenshot(page, "course-next-certificate-360")
    with page.expect_download() as download:
        next_step.click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.context.close()


def test_the_learners_home_at_phone_and_desktop_width(browser, shipped_site):
    learner = db.session.scalar(select(User).where(User.username == "hs.doc"))
    school = create_org("THPT-CVA", "Trường THPT Chu Văn An", "school")
    learner.org_id = create_org("CVA-11A1", "Lớp 11A1", "class", parent=school).id
    courses = {c.slug: c for c in db.session.scalars(select(Course))}
    today = vn_today()
    db.session.add(Assignment(course_id=courses[GUIDE].id, org_id=learner.org_id, due_on=today - timedelta(days=1)))
    db.session.add(Assignment(course_id=courses[FRAUD].id, org_id=school.id, due_on=today + timedelta(days=2)))
    contest = contest_services.create_contest(None, "hoi-thi-thu", "Hội thi thử dịch vụ công", scope=school)
    contest.status = "open"
    organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng sơ khảo", kind="quiz", opens_at=utcnow() - timedelta(hours=1),
        closes_at=utcnow() + timedelta(days=2), bank_slug="hoi-thi-tuyen-truyen-vien-gioi", time_limit_minutes=15))
    db.session.commit()

    page = browser.new_context(locale="vi-VN", viewport=PHONE).new_page()
    sign_in(page, shipped_site)  # the sign-in lands on the home
    home = page.get_by_role("region", name="Khoá học của bạn")
    first, second = home.get_by_role("listitem").all()
    expect(first).to_contain_text("⚠ Quá hạn: hạn chót")
    expect(first.get_by_role("link").first).to_have_text("Sử dụng dịch vụ công trực tuyến")
    expect(second).to_contain_text("◷ Sắp đến hạn:")
    expect(second).to_contain_text("(còn 2 ngày)")
    expect(first.get_by_role("progressbar", name="Tiến độ")).to_be_visible()
    contests = page.get_by_role("region", name="Cuộc thi dành cho bạn")
    expect(contests).to_contain_text("Đang mở đăng ký.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "home-learner-360")

    # Her next step from the home, then back: the course she passed offers its certificate.
    with page.expect_navigation():
        second.get_by_role("link", name=re.compile("^Bắt đầu: Giả danh")).click()
    for _ in range(5):
        with page.expect_navigation():
            page.get_by_role("button", name="Tôi đã đọc xong bài này").click()
    page.goto(f"{shipped_site}/quizzes/course/{FRAUD}")
    pass_the_quiz(page)
    page.goto(shipped_site + "/")
    done = page.get_by_role("region", name="Khoá học của bạn").get_by_role("listitem").last
    expect(done.get_by_role("link", name="Tải chứng nhận (PDF)")).to_be_visible()
    expect(done).to_contain_text("✓ Hoàn thành ngày")
    expect(done).not_to_contain_text("Hạn:")  # completed: no due date to chase
    expect(page.get_by_role("region", name="Kết quả gần đây")).to_contain_text("100% · ✓ Đạt")
    expect(page.get_by_role("region", name="Chứng nhận của bạn")).to_contain_text("Nhận biết và phòng tránh lừa đảo")
    screenshot(page, "home-learner-done-360")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "home-learner-desktop")
    page.context.close()
