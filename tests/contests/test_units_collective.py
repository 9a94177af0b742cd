"""The collective ranking in a contest (issue 17, faults 4 and 6): the issue's units with 2 of
1500 and 1 of 1700, shown apart with their counts; headcounts fixed when the first round opens,
so a change during the contest never moves the rates; the organiser sees the figures used."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from lms.contests import organise, services
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import HeadcountChange
from lms.orgs.services import set_headcount, update_org
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from tests.conftest import login
from tests.contests.test_rounds import BANK, play

OPEN, CLOSE = datetime(2026, 11, 1, 1, 0), datetime(2026, 11, 1, 16, 59)  # 08:00-23:59 Vietnam time
BEFORE = datetime(2026, 10, 1)  # when the schools' headcounts were given


@pytest.fixture
def province(app, make_org, make_user):
    """Two schools of a province: Xuân (1500 pupils) with 2 participants, Yên (1700) with 1."""
    top = make_org("P", "Tỉnh Mẫu", "province", headcount=100000)
    xuan = make_org("TX", "Trường Trung học phổ thông Xuân Mai", "school", parent=top, headcount=1500)
    xuan.short_name = "THPT Xuân Mai"
    yen = make_org("TY", "Trường Yên", "school", parent=top, headcount=1700)
    db.session.execute(update(HeadcountChange).values(effective_at=BEFORE))
    contest = services.create_contest(None, "hoi-thi-don-vi", "Hội thi đơn vị", scope=top)
    contest.status = "open"
    quiz_services.load_bank("vong-1-dv", parse_markdown_bank(BANK))
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=OPEN, closes_at=CLOSE, bank_slug="vong-1-dv", time_limit_minutes=30))
    organise.set_prize_settings(None, contest, {"first": 1}, 1, "school")
    db.session.commit()
    for username, unit, right in [("ts.x1", xuan, 4), ("ts.x2", xuan, 2), ("ts.y1", yen, 4)]:
        user = make_user(username, org=unit, full_name=username.upper())
        services.register(user, contest, services.RegistrationForm(full_name=username.upper()))
        play(user, round_, right, OPEN + timedelta(hours=1), 5)
    make_user("quantri", roles=[("admin", None)])
    return {"contest": contest, "xuan": xuan, "yen": yen, "round": round_}


def _rows(page: str) -> list[tuple[str, ...]]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_units_page_shows_2_of_1500_and_1_of_1700_apart_with_their_counts(client, province):
    rows = _rows(client.get("/contests/hoi-thi-don-vi/units?kind=school").get_data(as_text=True))
    assert rows == [("1", "THPT Xuân Mai", "2 / 1500", "0,13%", "75,00"),
                    ("2", "Trường Yên", "1 / 1700", "0,06%", "100,00")]
    page = client.get("/contests/hoi-thi-don-vi/units?kind=school").get_data(as_text=True)
    assert 'title="Trường Trung học phổ thông Xuân Mai"' in page  # the full name, for whoever wonders
    assert "08:00 01/11/2026" in page  # the moment the headcounts were fixed


def test_a_headcount_changed_during_the_contest_moves_nothing(client, province):
    contest, xuan, yen = province["contest"], province["xuan"], province["yen"]
    # During the round, Xuân's headcount drops to 15 (its rate would jump to 13%) and Yên's is edited too.
    set_headcount(xuan, 15, now=OPEN + timedelta(hours=2))
    update_org(yen, name=yen.name, kind="school", headcount=17)
    db.session.commit()
    standings = organise.collective_standings(contest, "school")
    assert [(org.code, result.headcount, result.participants) for _, org, result in standings] == [
        ("TX", 1500, 2), ("TY", 1700, 1)]
    moment, used = organise.headcounts_used(contest, [xuan, yen])
    assert moment == OPEN
    assert (used[xuan.id].headcount, used[xuan.id].since, used[xuan.id].late) == (1500, BEFORE, False)
    # Before any round opens, the current headcounts count (and may still change).
    moment, used = organise.headcounts_used(contest, [xuan, yen], now=OPEN - timedelta(minutes=1))
    assert moment is None and used[xuan.id].headcount == 15 and used[yen.id].headcount == 17
    # The collective prize published afterwards uses the figures of the opening too.
    organise.publish_results(None, contest)
    db.session.commit()
    winners = [a for a in organise.awards_of(contest) if a.kind == "collective"]
    assert [(a.name, a.score) for a in winners] == [("Trường Trung học phổ thông Xuân Mai", 75.0)]


def test_a_unit_counted_only_after_the_opening_keeps_its_first_headcount(province, make_org):
    contest, top = province["contest"], province["xuan"].parent
    late = make_org("TZ", "Trường Mới", "school", parent=top, headcount=300)  # created today
    set_headcount(late, 30)
    db.session.commit()
    _moment, used = organise.headcounts_used(contest, [late])
    assert (used[late.id].headcount, used[late.id].late) == (300, True)


def test_the_organiser_sees_the_headcounts_used_with_their_date(client, province):
    login(client, "quantri")
    settings = client.get("/contests/manage/hoi-thi-don-vi/").get_data(as_text=True)
    assert "Biên chế/sĩ số dùng để xếp hạng tập thể" in settings
    assert "08:00 01/11/2026" in settings  # fixed when the first round opened
    section = settings.split('id="headcounts"', 1)[1].split("</table>", 1)[0]
    assert [row[1:] for row in _rows(section)] == [("1500", "07:00 01/10/2026"), ("1700", "07:00 01/10/2026")]
    units = client.get("/contests/hoi-thi-don-vi/units?kind=school").get_data(as_text=True)
    assert [row[-1] for row in _rows(units)] == ["07:00 01/10/2026", "07:00 01/10/2026"]


def test_the_public_does_not_see_when_each_headcount_was_set(client, province):
    page = client.get("/contests/hoi-thi-don-vi/units?kind=school").get_data(as_text=True)
    assert "Biên chế/sĩ số áp dụng từ" not in page and "01/10/2026" not in page


def test_before_the_first_round_opens_the_settings_page_says_headcounts_are_not_fixed_yet(client, province):
    round_ = province["round"]
    round_.opens_at, round_.closes_at = utcnow() + timedelta(days=1), utcnow() + timedelta(days=2)
    db.session.commit()
    login(client, "quantri")
    page = client.get("/contests/manage/hoi-thi-don-vi/").get_data(as_text=True)
    assert "Chưa vòng thi nào mở" in page


def test_a_class_that_wins_the_collective_prize_is_announced_with_its_school(client, app, make_org, make_user):
    # Every school has a "Lớp 10A1": the prize list and the award must say whose.
    top = make_org("Q", "Tỉnh Mẫu", "province")
    school_a = make_org("QA", "Trường THPT Hoà Bình", "school", parent=top)
    school_b = make_org("QB", "Trường THPT Đông Hà", "school", parent=top)
    class_a = make_org("QA-10A1", "Lớp 10A1", "class", parent=school_a, headcount=40)
    class_b = make_org("QB-10A1", "Lớp 10A1", "class", parent=school_b, headcount=40)
    db.session.execute(update(HeadcountChange).values(effective_at=BEFORE))
    contest = services.create_contest(None, "hoi-thi-lop", "Hội thi các lớp", scope=top)
    contest.status = "open"
    quiz_services.load_bank("vong-1-lop", parse_markdown_bank(BANK))
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=OPEN, closes_at=CLOSE, bank_slug="vong-1-lop", time_limit_minutes=30))
    organise.set_prize_settings(None, contest, {"first": 1}, 1, "class")
    db.session.commit()
    for username, unit, right in [("hs.a1", class_a, 4), ("hs.a2", class_a, 4), ("hs.b1", class_b, 2)]:
        user = make_user(username, org=unit, full_name=username.upper())
        services.register(user, contest, services.RegistrationForm(full_name=username.upper()))
        play(user, round_, right, OPEN + timedelta(hours=1), 5)
    organise.publish_results(None, contest, now=CLOSE + timedelta(hours=1))
    db.session.commit()
    [winner] = [a for a in organise.awards_of(contest) if a.kind == "collective"]
    assert (winner.name, winner.unit_name) == ("Lớp 10A1", "Trường THPT Hoà Bình")
    results = client.get("/contests/hoi-thi-lop/results").get_data(as_text=True)
    assert "Trường THPT Hoà Bình" in results
