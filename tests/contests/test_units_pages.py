"""Contest pages of issue 17: the public page leads to the results, the ranking of units and
every leaderboard (fault 5); a contest attempt is titled with its contest and round, never its
bank; withdrawn results say when and why; the public leaderboard's privacy choice is a setting."""

import html
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.contests import organise, services
from lms.contests.models import Award, Contest, Registration
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt
from tests.conftest import login, post_form
from tests.contests.test_organise import closed_contest, logout  # noqa: F401  (fixture)

SETTINGS = "/contests/manage/hoi-thi-2026/"
FORM = {"title": "Hội thi tuyên truyền viên giỏi 2026", "rules_md": "", "scope_code": "P", "status": "open",
        "date_of_birth": "off", "phone": "off", "school": "off", "class_name": "off", "unit_name": "off"}


def _links(page: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page))


def _publish(contest):
    organise.set_true_count(None, contest.rounds[0], 2)
    organise.set_prize_settings(None, contest, {"first": 1, "second": 1}, 0, None)
    awards = organise.publish_results(None, contest)
    db.session.commit()
    return awards


# --- fault 5: the public page leads everywhere ------------------------------------------------


def test_the_public_contest_page_links_the_results_units_and_leaderboards(client, closed_contest):  # noqa: F811
    contest = closed_contest["contest"]
    closed = _links(client.get("/contests/hoi-thi-2026/").get_data(as_text=True))
    assert "/contests/hoi-thi-2026/units?kind=school" in closed  # every round closed: the units ranking
    assert "/contests/hoi-thi-2026/results" not in closed  # nothing published yet
    _publish(contest)
    published = _links(client.get("/contests/hoi-thi-2026/").get_data(as_text=True))
    assert {"/contests/hoi-thi-2026/results", "/contests/hoi-thi-2026/units?kind=school",
            "/contests/hoi-thi-2026/rounds/1/leaderboard"} <= published
    results = _links(client.get("/contests/hoi-thi-2026/results").get_data(as_text=True))
    assert {"/contests/hoi-thi-2026/units?kind=school", "/contests/hoi-thi-2026/rounds/1/leaderboard"} <= results


def test_no_units_link_while_a_round_is_still_open(client, closed_contest):  # noqa: F811
    round_ = closed_contest["contest"].rounds[0]
    round_.closes_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    page = _links(client.get("/contests/hoi-thi-2026/").get_data(as_text=True))
    assert not any("/units" in link or "/results" in link for link in page)


# --- fault 5: a contest attempt never shows its bank ------------------------------------------------


@pytest.fixture
def open_round(app, sample_tree, make_user):
    contest = services.create_contest(None, "hoi-thi-tin-hoc", "Hội thi Tin học trẻ", scope=sample_tree["province"])
    contest.status = "open"
    quiz_services.load_bank("tin-hoc-11-dvc", parse_markdown_bank(
        "---\ntitle: Ngân hàng Tin học 11\n---\n## Câu 1\n- [x] A\n- [ ] B\n"))
    now = utcnow()
    organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1),
        bank_slug="tin-hoc-11-dvc", time_limit_minutes=10))
    user = make_user("ts.tin", org=sample_tree["class_a1"], full_name="Thí Sinh Tin")
    services.register(user, contest, services.RegistrationForm(full_name="Thí Sinh Tin"))
    db.session.commit()
    return user


def test_a_contest_attempt_and_its_review_are_titled_with_the_contest_and_round(client, open_round):
    login(client, "ts.tin")
    started = post_form(client, "/contests/hoi-thi-tin-hoc/rounds/1/start", {}, page="/contests/hoi-thi-tin-hoc/")
    attempt_path = started.headers["Location"]
    page = html.unescape(client.get(attempt_path).get_data(as_text=True))
    assert "<h1>Hội thi Tin học trẻ: Vòng 1</h1>" in page
    assert "<title>Hội thi Tin học trẻ: Vòng 1" in page
    post_form(client, attempt_path, {"action": "submit"}, page=attempt_path)
    review = html.unescape(client.get(attempt_path + "/review").get_data(as_text=True))
    assert "<h1>Kết quả: Hội thi Tin học trẻ: Vòng 1</h1>" in review
    for page_ in (page, review):
        assert "tin-hoc-11-dvc" not in page_ and "Ngân hàng Tin học 11" not in page_


def test_the_personal_data_download_names_the_contest_round_not_the_bank(app, open_round):
    from lms.contests import rounds
    from lms.quizzes.services import _personal_data

    round_ = db.session.scalar(select(Contest).where(Contest.slug == "hoi-thi-tin-hoc")).rounds[0]
    rounds.start_round(open_round, round_)
    db.session.commit()
    (entry,) = _personal_data(open_round)
    assert entry["contest_round"] == "Hội thi Tin học trẻ: Vòng 1" and "bank" not in entry
    assert db.session.scalar(select(Attempt.purpose)) == "contest"


# --- withdrawn results say when and why ----------------------------------------------------------


def test_the_award_page_of_withdrawn_results_says_when_and_why(client, closed_contest):  # noqa: F811
    contest = closed_contest["contest"]
    awards = _publish(contest)
    code = awards[0].code
    assert client.get(f"/contests/hoi-thi-2026/awards/{code}").status_code == 200
    organise.withdraw_results(None, contest, "  Sai sót khi chấm câu 3  ", now=datetime(2026, 12, 2, 2, 30))
    db.session.commit()
    assert (contest.withdrawn_reason, contest.status) == ("Sai sót khi chấm câu 3", "closed")
    for url in (f"/contests/hoi-thi-2026/awards/{code}", "/contests/hoi-thi-2026/results"):
        response = client.get(url)
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 404
        assert "bị rút lại lúc 09:30 02/12/2026 (giờ Việt Nam)" in page, url
        assert "Sai sót khi chấm câu 3" in page
    assert "Sai sót khi chấm câu 3" in html.unescape(client.get("/contests/hoi-thi-2026/").get_data(as_text=True))
    board = html.unescape(client.get("/contests/hoi-thi-2026/rounds/1/leaderboard").get_data(as_text=True))
    assert "Sai sót khi chấm câu 3" in board  # the board says so too, not only "prizes come later"
    # Published again: the new results stand, the withdrawal is no longer shown, the old code is unknown.
    _publish(contest)
    assert contest.withdrawn_reason is None and contest.withdrawn_at is None
    old = html.unescape(client.get(f"/contests/hoi-thi-2026/awards/{code}").get_data(as_text=True))
    assert "Sai sót" not in old and f"Hội thi này không có giải thưởng đã công bố nào mang mã {code}" in old
    assert db.session.scalar(select(Award.code).where(Award.code == code)) is None


def test_a_code_never_published_is_just_not_found(client, closed_contest):  # noqa: F811
    page = html.unescape(client.get("/contests/hoi-thi-2026/awards/KHONGCO").get_data(as_text=True))
    assert "rút lại" not in page


# --- the public leaderboard's privacy setting -------------------------------------------------------


def test_the_public_board_choice_is_a_setting_audited_like_the_others(client, closed_contest):  # noqa: F811
    login(client, "quantri")
    page = client.get(SETTINGS).get_data(as_text=True)
    assert "Họ tên và đơn vị" in page and "Chỉ họ tên" in page and "Tên viết tắt và đơn vị" in page
    response = post_form(client, SETTINGS, {**FORM, "public_board": "initials_and_unit"}, page=SETTINGS)
    assert response.status_code == 302
    contest = closed_contest["contest"]
    db.session.refresh(contest)
    assert contest.public_board == "initials_and_unit"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contest.settings")).one()
    assert event.detail["changes"] == {"public_board": ["name_and_unit", "initials_and_unit"]}
    history = client.get(SETTINGS).get_data(as_text=True).split("<tbody>")[-1]
    assert "Bảng xếp hạng công khai hiển thị: Họ tên và đơn vị → Tên viết tắt và đơn vị (cho học sinh)" in history
    refused = post_form(client, SETTINGS, {**FORM, "public_board": "everyone"}, page=SETTINGS)
    assert refused.status_code == 200 and "Lựa chọn không hợp lệ." in refused.get_data(as_text=True)
    db.session.refresh(contest)
    assert contest.public_board == "initials_and_unit"
    with pytest.raises(ServiceError, match="không hợp lệ"):
        organise.update_contest(None, contest, title=contest.title, rules_md="", scope=None, required_fields=set(),
                                optional_fields=set(), status="closed", public_board="everyone")


def test_wtforms_messages_of_the_round_form_are_vietnamese_too(client, closed_contest):  # noqa: F811
    login(client, "quantri")
    url = "/contests/manage/hoi-thi-2026/rounds/new"
    form = {"title": "", "kind": "quiz", "opens_at": "2026-12-20T08:00", "closes_at": "2026-12-20T23:59",
            "bank": "vong-1", "attempts_allowed": "1", "counting": "best", "freeze_minutes": "0", "weight": "nặng"}
    page = html.unescape(post_form(client, url, form, page=url).get_data(as_text=True))
    assert "Không phải số hợp lệ." in page and "Ô này là bắt buộc." in page
    assert "Not a valid float value." not in page and "This field is required." not in page


def test_no_registration_once_every_round_has_closed(client, closed_contest, make_user, sample_tree):  # noqa: F811
    """A late registration could take no part, yet would sit in the report and count against
    its unit: the page offers none, and a form posted anyway is refused with the reason."""
    make_user("muon", org=sample_tree["class_a1"], full_name="Hoàng Thị Lụa")
    login(client, "muon")
    url = "/contests/hoi-thi-2026/"
    assert "Đăng ký dự thi" not in html.unescape(client.get(url).get_data(as_text=True)).split("<main", 1)[1]
    page = html.unescape(post_form(client, url, {"full_name": "Hoàng Thị Lụa"}, page=url).get_data(as_text=True))
    assert "Đã hết hạn đăng ký: mọi vòng thi của hội thi này đã kết thúc." in page
    assert db.session.scalar(select(Registration.id).where(Registration.full_name == "Hoàng Thị Lụa")) is None
