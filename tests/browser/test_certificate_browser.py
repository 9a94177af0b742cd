"""In a real browser: read a course, pass its quiz, get the certificate, open its public page."""

import json

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.models import QuestionVersion
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def right_values(version_id):
    version = db.session.scalar(select(QuestionVersion).where(QuestionVersion.id == version_id))
    if version.type in ("single", "multiple", "truefalse"):
        return [str(i) for i, c in enumerate(version.data["choices"]) if c["fraction"] > 0]
    answer = version.data["answers"][0]
    return [answer.get("text") or str(answer.get("value", answer.get("min")))]


def test_from_completion_to_the_public_verification_page(page, shipped_site):
    slug = "nhan-biet-lua-dao-truc-tuyen"
    sign_in(page, shipped_site)
    page.goto(f"{shipped_site}/courses/{slug}/")
    page.locator(".actions a.button").first.click()
    for _ in range(5):
        with page.expect_navigation():
            page.get_by_role("button", name="Tôi đã đọc xong bài này").click()
    page.goto(f"{shipped_site}/quizzes/course/{slug}")
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
    page.goto(f"{shipped_site}/certificates/mine")
    assert "Nhận biết và phòng tránh lừa đảo trên mạng" in page.text_content("main")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.get_by_role("link", name="Trang xác thực công khai").click()
    main = page.text_content("main")
    assert "Chứng nhận hợp lệ" in main and "Trần Minh Khôi" in main
    assert json.loads(page.evaluate("fetch(location.pathname + '.json').then(r => r.text())"))["status"] == "valid"
