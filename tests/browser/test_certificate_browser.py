"""In a real browser: read a course, pass its quiz, get the certificate, open its public page."""

import json

import pytest
from sqlalchemy import select

from lms.auth.services import NewUser, create_user
from lms.courses.sync import sync_content
from lms.extensions import db
from lms.quizzes.models import QuestionVersion
from lms.quizzes.services import sync_bank_files
from tests.browser.test_course_reading_browser import ROOT, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server):
    app, base = live_server
    app.config.update(COURSES_DIR=str(ROOT / "courses"), QUIZZES_DIR=str(ROOT / "quizzes"))
    sync_bank_files(ROOT / "quizzes")
    sync_content(ROOT / "courses", ROOT / "quizzes")
    create_user(NewUser(username="hs.doc", full_name="Trần Minh Khôi", password="mat khau de doc"))
    db.session.commit()
    return base


def right_values(version_id):
    version = db.session.scalar(select(QuestionVersion).where(QuestionVersion.id == version_id))
    if version.type in ("single", "multiple", "truefalse"):
        return [str(i) for i, c in enumerate(version.data["choices"]) if c["fraction"] > 0]
    answer = version.data["answers"][0]
    return [answer.get("text") or str(answer.get("value", answer.get("min")))]


def test_from_completion_to_the_public_verification_page(page, site):
    slug = "nhan-biet-lua-dao-truc-tuyen"
    sign_in(page, site)
    page.goto(f"{site}/courses/{slug}/")
    page.locator(".actions a.button").first.click()
    for _ in range(5):
        with page.expect_navigation():
            page.get_by_role("button", name="Tôi đã đọc xong bài này").click()
    page.goto(f"{site}/quizzes/course/{slug}")
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu làm bài").click()
    for fieldset in page.locator("fieldset[data-version]").all():
        version = int(fieldset.get_attribute("data-version"))
        values = right_values(version)
        if fieldset.get_attribute("data-type") in ("single", "multiple", "truefalse"):
            for value in values:
                fieldset.locator(f"input[name='q{version}'][value='{value}']").check()
        else:
            fieldset.locator("input[type=text]").fill(values[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Nộp bài").click()
    assert "100%" in page.text_content(".result")
    page.goto(f"{site}/certificates/mine")
    assert "Nhận biết và phòng tránh lừa đảo trên mạng" in page.text_content("main")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.get_by_role("link", name="Trang xác thực công khai").click()
    main = page.text_content("main")
    assert "Chứng nhận hợp lệ" in main and "Trần Minh Khôi" in main
    assert json.loads(page.evaluate("fetch(location.pathname + '.json').then(r => r.text())"))["status"] == "valid"
