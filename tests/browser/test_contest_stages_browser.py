"""A quiz round from open to publication in a real browser, as three participants on phones
and an organiser see it (issue 17): the live board, the freeze that hides a result sent
during it but never a person, the close that lifts the freeze, and the published results
with their links. Screenshots at 360 px go to test-artifacts/."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from lms.auth.models import RoleAssignment
from lms.auth.services import NewUser, create_user
from lms.contests import organise, rounds, services
from lms.contests.models import ContestRound, RoundEntry
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.services import create_org
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

SLUG = "tuyen-truyen-vien-gioi"
BANK = "---\ntitle: Vòng chung khảo\nshuffle_questions: false\nshuffle_options: false\n---\n" + "".join(
    f"## Câu {i}: chọn câu trả lời đúng số {i}\n- [x] Đúng {i}\n- [ ] Sai {i}\n\n" for i in range(4))
PASSWORD = "mat khau thi sinh"
PEOPLE = {"ts.an": ("Nguyễn Văn An", "THPT Lạc Sơn"), "ts.binh": ("Trần Thị Bình", "THPT Kim Bôi"),
          "ts.cuong": ("Lê Văn Cường", "THCS Mai Châu")}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def round_site(live_server):
    app, base = live_server
    province = create_org(code="HB", name="Tỉnh Hòa Bình", kind="province")
    for number, (username, (name, school)) in enumerate(PEOPLE.items()):
        unit = create_org(code=f"HB-{number}", name=f"Trường {school}, tỉnh Hòa Bình", kind="school",
                          parent=province, headcount=40)
        unit.short_name = school
        create_user(NewUser(username=username, full_name=name, org=unit, password=PASSWORD, kind="student"))
    organiser = create_user(NewUser(username="btc", full_name="Ban Tổ Chức", password="mat khau to chuc"))
    contest = services.create_contest(None, SLUG, "Hội thi tuyên truyền viên giỏi", scope=province)
    contest.status = "open"
    db.session.add(RoleAssignment(user_id=organiser.id, role="organizer", contest_id=contest.id))
    quiz_services.load_bank("chung-khao", parse_markdown_bank(BANK))
    now = utcnow().replace(microsecond=0)
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng chung khảo", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1),
        bank_slug="chung-khao", time_limit_minutes=15, attempts_allowed=2, counting="best",
        hide_results_until_close=False, freeze_minutes=10))
    organise.set_prize_settings(None, contest, {"first": 1, "second": 1, "third": 1, "consolation": 0}, 1, "school")
    from lms.auth.models import User

    for username, (name, _) in PEOPLE.items():
        user = db.session.query(User).filter_by(username=username).one()
        services.register(user, contest, services.RegistrationForm(full_name=name))
    db.session.commit()
    return base, round_.id


def phone(browser, base, username, password=PASSWORD):
    page = browser.new_context(locale="vi-VN", viewport=PHONE).new_page()
    sign_in(page, base, username, password)
    return page


def sit(page, base, right: int):
    """Take part in the round and answer the first ``right`` questions right, the rest wrong."""
    page.goto(f"{base}/contests/{SLUG}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Vào thi").click()
    for index, fieldset in enumerate(page.locator("fieldset[data-version]").all()):
        fieldset.get_by_label(f"{'Đúng' if index < right else 'Sai'} {index}", exact=True).check()
    page.wait_for_timeout(300)  # the autosave calls
    with page.expect_navigation():
        page.get_by_role("button", name="Nộp bài").click()


def board(page, base):
    """(stage, [(name, unit, score)]) as the page shows them, and no sideways scroll."""
    page.goto(f"{base}/contests/{SLUG}/rounds/1/leaderboard")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    rows = []
    for row in page.locator("tbody tr").all():
        cells = [c.inner_text().strip() for c in row.locator("td").all()]
        name, _, unit = cells[1].partition("\n")
        rows.append((name.replace("(bạn)", "").strip(), unit.strip(), cells[2]))
    return page.get_attribute("#stage", "data-stage"), rows


def move_round(round_id, **times):
    db.session.execute(update(ContestRound).where(ContestRound.id == round_id).values(**times))
    rounds._bump(round_id)
    db.session.commit()


def test_open_freeze_close_publish_with_three_participants(browser, round_site):
    base, round_id = round_site
    an, binh, cuong = (phone(browser, base, u) for u in PEOPLE)
    sit(an, base, 2)
    sit(binh, base, 3)
    sit(cuong, base, 1)

    stage, rows = board(an, base)
    assert stage == "open"
    assert rows == [("Trần Thị Bình", "THPT Kim Bôi", "75,0"), ("Nguyễn Văn An", "THPT Lạc Sơn", "50,0"),
                    ("Lê Văn Cường", "THCS Mai Châu", "25,0")]
    screenshot(an, "contest-stage-1-open-360")

    # Those three results were sent well before the freeze; then the close comes near, and
    # the last ten minutes freeze the public board.
    earlier = utcnow() - timedelta(minutes=30)
    db.session.execute(update(Attempt).where(Attempt.round_id == round_id).values(
        started_at=earlier - timedelta(minutes=5), submitted_at=earlier))
    db.session.execute(update(RoundEntry).where(RoundEntry.round_id == round_id).values(
        submitted_at=earlier, changed_at=earlier))
    move_round(round_id, closes_at=utcnow().replace(microsecond=0) + timedelta(minutes=5))
    sit(an, base, 4)  # An's second attempt, inside the freeze: 100, the best one counts

    stage, rows = board(an, base)
    assert stage == "frozen"
    assert rows == [("Trần Thị Bình", "THPT Kim Bôi", "75,0"), ("Nguyễn Văn An", "THPT Lạc Sơn", "50,0"),
                    ("Lê Văn Cường", "THCS Mai Châu", "25,0")], "the freeze hides the new result, not the person"
    assert "đóng băng" in an.inner_text("#stage")
    screenshot(an, "contest-stage-2-frozen-360")
    organiser = phone(browser, base, "btc", "mat khau to chuc")
    _, live = board(organiser, base)
    assert [r[0] for r in live] == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]  # organisers see it live
    screenshot(organiser, "contest-stage-2-frozen-organiser-360")

    # The close (and its grace for answers in flight) has passed: the freeze lifts for everyone.
    move_round(round_id, closes_at=utcnow().replace(microsecond=0) - timedelta(minutes=1))
    stage, rows = board(cuong, base)
    assert stage == "closed_final"
    assert rows == [("Nguyễn Văn An", "THPT Lạc Sơn", "100,0"), ("Trần Thị Bình", "THPT Kim Bôi", "75,0"),
                    ("Lê Văn Cường", "THCS Mai Châu", "25,0")]
    screenshot(cuong, "contest-stage-3-closed-360")

    organiser.goto(f"{base}/contests/manage/{SLUG}/prizes")
    with organiser.expect_navigation():
        organiser.get_by_role("button", name="Công bố kết quả").click()
    stage, rows = board(binh, base)
    assert stage == "published" and rows[0][0] == "Nguyễn Văn An"

    binh.goto(f"{base}/contests/{SLUG}/")
    assert binh.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    binh.get_by_role("link", name="Kết quả").first.click()
    binh.wait_for_load_state()
    results = binh.inner_text("main")
    assert "Giải Nhất" in results and "Nguyễn Văn An" in results and "Trần Thị Bình" in results
    screenshot(binh, "contest-stage-4-published-results-360")
    binh.goto(f"{base}/contests/{SLUG}/")
    binh.get_by_role("link", name="Xếp hạng đơn vị").first.click()
    binh.wait_for_load_state()
    assert "THPT Lạc Sơn" in binh.inner_text("main") and "1 / 40" in binh.inner_text("main")
    assert binh.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Nor inside its table: each unit is a card on a phone (issue 18).
    assert binh.evaluate("[...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth)")
    screenshot(binh, "contest-stage-4-published-units-360")
