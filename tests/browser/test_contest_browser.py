"""In a real browser: register for a contest, answer the quiz round, submit, and see the
leaderboard once the organiser has closed the round."""

from datetime import timedelta

import pytest

from lms.auth.services import NewUser, create_user
from lms.contests import organise, services
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.services import create_org
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

BANK = "---\ntitle: Vòng sơ khảo\nshuffle_questions: false\nshuffle_options: false\n---\n" + "".join(
    f"## Câu {i}: cổng dịch vụ công nào dùng chung cả nước?\n- [x] Cổng Dịch vụ công quốc gia {i}\n- [ ] Trang khác {i}\n\n"
    for i in range(3))


@pytest.fixture
def contest_site(live_server):
    app, base = live_server
    province = create_org(code="T-01", name="Tỉnh Hòa Bình", kind="province")
    school = create_org(code="T-01-THPT", name="Trường THPT Lạc Sơn", kind="school", parent=province)
    create_user(NewUser(username="hs.thi", full_name="Đinh Thị Hương", org=school, password="mat khau thi sinh"))
    admin = create_user(NewUser(username="btc.admin", full_name="Ban Tổ Chức", password="mat khau to chuc"))
    from lms.auth.models import RoleAssignment

    db.session.add(RoleAssignment(user_id=admin.id, role="admin"))
    contest = services.create_contest(None, "tuyen-truyen-vien-gioi", "Hội thi tuyên truyền viên giỏi",
                                      rules_md="Mỗi thí sinh thi **một lượt**.", scope=province,
                                      registration_fields={"phone": True})
    contest.status = "open"
    quiz_services.load_bank("so-khao", parse_markdown_bank(BANK))
    now = utcnow().replace(second=0, microsecond=0)
    organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng sơ khảo", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=2),
        bank_slug="so-khao", time_limit_minutes=15, tiebreaker_question="Bao nhiêu thí sinh đúng cả 3 câu?"))
    db.session.commit()
    return base


def test_register_answer_submit_and_see_the_leaderboard_after_closing(browser, contest_site):
    base = contest_site
    learner = browser.new_context(locale="vi-VN").new_page()
    sign_in(learner, base, "hs.thi", "mat khau thi sinh")
    learner.goto(f"{base}/contests/tuyen-truyen-vien-gioi/")
    assert "một lượt" in learner.text_content("main")
    learner.get_by_label("Số điện thoại").fill("0912 345 678")
    with learner.expect_navigation():
        learner.get_by_role("button", name="Đăng ký dự thi").click()
    assert "Bạn đã đăng ký dự thi." in learner.text_content("main")

    learner.get_by_label("Bao nhiêu thí sinh đúng cả 3 câu?").fill("1")
    with learner.expect_navigation():
        learner.get_by_role("button", name="Vào thi").click()
    assert learner.locator("#timer").is_visible()
    for fieldset in learner.locator("fieldset[data-version]").all():
        fieldset.get_by_label("Cổng Dịch vụ công quốc gia", exact=False).check()
    learner.wait_for_timeout(300)  # let the autosave calls finish
    with learner.expect_navigation():
        learner.get_by_role("button", name="Nộp bài").click()
    screenshot(learner, "contest-submitted")

    learner.goto(f"{base}/contests/tuyen-truyen-vien-gioi/rounds/1/leaderboard")
    assert "Kết quả được công bố sau khi vòng thi kết thúc" in learner.text_content("main")
    assert "Đinh Thị Hương" not in learner.text_content("main")

    # The organiser closes the round now (times are typed in Vietnam time).
    organiser = browser.new_context(locale="vi-VN").new_page()
    sign_in(organiser, base, "btc.admin", "mat khau to chuc")
    organiser.goto(f"{base}/contests/manage/tuyen-truyen-vien-gioi/rounds/1")
    closing = (utcnow() + timedelta(hours=7) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    organiser.get_by_label("Kết thúc (giờ Việt Nam)").fill(closing)
    with organiser.expect_navigation():
        organiser.get_by_role("button", name="Lưu", exact=True).click()
    assert "Đã lưu (1 thay đổi)." in organiser.text_content("main")
    history = organiser.goto(f"{base}/contests/manage/tuyen-truyen-vien-gioi/")
    assert history.ok and "Thay đổi vòng thi" in organiser.text_content("main")
    shown = f"{closing[11:16]} {closing[8:10]}/{closing[5:7]}/{closing[:4]}"
    assert f"→ {shown}" in organiser.text_content("main")  # the change is logged in Vietnam time
    screenshot(organiser, "contest-settings-history")

    learner.goto(f"{base}/contests/tuyen-truyen-vien-gioi/rounds/1/leaderboard")
    row = learner.locator("tbody tr").first
    assert "Đinh Thị Hương" in row.text_content() and "100,0" in row.text_content()
    assert row.locator("td").first.text_content().strip() == "1"
    screenshot(learner, "contest-leaderboard-after-close")
