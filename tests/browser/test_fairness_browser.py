"""In a real browser (Chromium): the attempt page reports leaving it, by fetch for a lost focus
and by sendBeacon (CSRF token in the body) for a hidden page; a sign-in on a second browser
takes a one-device attempt over and the first one says so; the organiser's integrity report
fits a 360 px screen and prints without the site around it. Screenshots in test-artifacts/."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import RoleAssignment
from lms.auth.services import NewUser, create_user
from lms.contests import organise, services
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.services import create_org
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt, AttemptEvent
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

BANK = "---\ntitle: Vòng sơ khảo\nshuffle_questions: false\nshuffle_options: false\n---\n" + "".join(
    f"## Câu {i}: cổng dịch vụ công nào dùng chung cả nước?\n- [x] Cổng Dịch vụ công quốc gia {i}\n- [ ] Trang khác {i}\n\n"
    for i in range(3))
PASSWORD = "mat khau thi sinh"


@pytest.fixture
def site(live_server):
    app, base = live_server
    province = create_org(code="T-01", name="Tỉnh Hòa Bình", kind="province")
    school = create_org(code="T-01-THPT", name="Trường THPT Lạc Sơn", kind="school", parent=province)
    create_user(NewUser(username="hs.thi", full_name="Đinh Thị Hương", org=school, password=PASSWORD))
    organiser = create_user(NewUser(username="btc", full_name="Ban Tổ Chức", password=PASSWORD))
    contest = services.create_contest(None, "hoi-thi", "Hội thi tuyên truyền viên giỏi", scope=province)
    contest.status = "open"
    quiz_services.load_bank("so-khao", parse_markdown_bank(BANK))
    now = utcnow()
    organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng sơ khảo", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=2),
        bank_slug="so-khao", time_limit_minutes=15, one_device=True))
    db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=contest.id))
    db.session.commit()
    return base


def until(check, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if check():
            return True
        time.sleep(0.1)
    return False


def test_leaving_the_page_a_second_device_and_the_report(browser, site):
    base = site
    pc = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740}).new_page()
    sign_in(pc, base, "hs.thi", PASSWORD)
    pc.goto(f"{base}/contests/hoi-thi/")
    with pc.expect_navigation():
        pc.get_by_role("button", name="Đăng ký dự thi").click()
    with pc.expect_navigation():
        pc.get_by_role("button", name="Vào thi").click()
    assert "mỗi lần bạn rời trang này" in pc.text_content("#attempt-rules")
    assert "Lượt thi này gắn với thiết bị này" in pc.text_content("#attempt-rules")
    screenshot(pc, "fairness-attempt-360")
    attempt_id = int(pc.url.rstrip("/").split("/")[-1])
    pc.get_by_label("Cổng Dịch vụ công quốc gia 0").check()
    pc.wait_for_selector("fieldset.saved")

    # Another window over the page (blur): reported by fetch after a moment.
    pc.evaluate("window.dispatchEvent(new Event('blur'))")
    assert until(lambda: db.session.get(Attempt, attempt_id).focus_losses == 1)
    pc.evaluate("window.dispatchEvent(new Event('focus'))")
    # Another tab or app (the page hidden): reported at once by sendBeacon.
    pc.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    assert until(lambda: db.session.get(Attempt, attempt_id).focus_losses == 2)
    hows = db.session.scalars(select(AttemptEvent.detail).where(AttemptEvent.attempt_id == attempt_id)
                              .order_by(AttemptEvent.id)).all()
    assert [h["how"] for h in hows] == ["blur", "hidden"]

    # The same person signs in on a phone: the computer can no longer answer.
    phone = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740}).new_page()
    sign_in(phone, base, "hs.thi", PASSWORD)
    pc.get_by_label("Cổng Dịch vụ công quốc gia 1").check()
    pc.locator("#quiz-status", has_text="thiết bị khác").wait_for()  # the page says why it stopped saving
    pc.reload()
    assert "Bài thi đã được mở trên thiết bị khác lúc" in pc.text_content("#held-elsewhere")
    screenshot(pc, "fairness-held-elsewhere-360")
    phone.goto(f"{base}/quizzes/attempts/{attempt_id}")
    assert phone.get_by_label("Cổng Dịch vụ công quốc gia 0").is_checked()

    # The organiser's report, on a phone and on paper.
    organiser = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740}).new_page()
    sign_in(organiser, base, "btc", PASSWORD)
    organiser.goto(f"{base}/contests/manage/hoi-thi/rounds/1/integrity")
    assert "Đã chuyển sang thiết bị khác" in organiser.text_content("main")
    assert organiser.evaluate("document.documentElement.scrollWidth") <= 360
    # Nor inside its tables: each flagged attempt is a card on a phone (issue 18).
    assert organiser.evaluate("[...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth)")
    screenshot(organiser, "fairness-report-360")
    organiser.emulate_media(media="print")
    assert not organiser.is_visible(".site-header") and not organiser.is_visible(".no-print")
    screenshot(organiser, "fairness-report-print")
