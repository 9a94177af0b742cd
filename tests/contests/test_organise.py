"""Organiser pages: settings with an audit trail, rounds in Vietnam time, prizes, publication,
the prize list and certificates of award, and the answer log."""

import io
import re
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.contests import organise, services
from lms.contests.models import AnswerLog, Award, Contest
from lms.contests.ranking import PRIZES, award_prizes, rank_scores
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from tests.conftest import csrf_token, login, post_form
from tests.contests.test_rounds import BANK, play


def logout(client):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


# --- pure rules -----------------------------------------------------------------------------


def test_ties_share_a_prize_and_push_the_next_prize_down():
    ranked = [(1, 10), (2, 11), (2, 12), (4, 13), (5, 14), (6, 15)]
    prizes = award_prizes(ranked, {"first": 1, "second": 1, "third": 1, "consolation": 1})
    assert prizes == {10: "first", 11: "second", 12: "second", 13: "third", 14: "consolation"}
    assert 15 not in prizes


@given(st.lists(st.integers(0, 5), min_size=0, max_size=40),
       st.fixed_dictionaries({p: st.integers(0, 6) for p in PRIZES}))
def test_prizes_never_split_a_tie_and_follow_the_ranking(scores, counts):
    ranked = [(rank, pid) for rank, _, pid in rank_scores(dict(enumerate(scores)))]
    prizes = award_prizes(ranked, counts)
    order = {p: i for i, p in enumerate(PRIZES)}
    by_rank: dict[int, set] = {}
    for rank, pid in ranked:
        by_rank.setdefault(rank, set()).add(prizes.get(pid))
    assert all(len(found) == 1 for found in by_rank.values())  # a tie never split
    levels = [order[prizes[pid]] if pid in prizes else len(PRIZES) for _, pid in ranked]
    assert levels == sorted(levels)  # a better rank never gets a lesser prize
    for prize in PRIZES:
        given_count = sum(1 for p in prizes.values() if p == prize)
        if given_count > counts[prize]:  # more only through a tie at the boundary
            last_rank = max(rank for rank, pid in ranked if prizes.get(pid) == prize)
            assert sum(1 for rank, _ in ranked if rank == last_rank) > 1


def test_rank_scores_shares_ranks():
    assert rank_scores({1: 90, 2: 95, 3: 90, 4: 50}) == [(1, False, 2), (2, True, 1), (2, True, 3), (4, False, 4)]


# --- pages ------------------------------------------------------------------------------------

PAST_OPEN = datetime(2026, 11, 1, 1, 0)
PAST_CLOSE = datetime(2026, 11, 1, 16, 59)


@pytest.fixture
def closed_contest(app, sample_tree, make_user):
    """A contest whose quiz round ran on 1/11 (08:00–23:59 Vietnam time) with four results."""
    contest = services.create_contest(None, "hoi-thi-2026", "Hội thi tuyên truyền viên giỏi 2026",
                                      scope=sample_tree["province"])
    contest.status = "open"
    bank, _ = quiz_services.load_bank("vong-1", parse_markdown_bank(BANK))
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=PAST_OPEN, closes_at=PAST_CLOSE, bank_slug="vong-1",
        time_limit_minutes=30, tiebreaker_question="Bao nhiêu người đúng hết?"))
    db.session.commit()
    people = {}
    for username, name, unit, right, minutes in [("ts.an", "Nguyễn Văn An", "class_a1", 4, 10),
                                                  ("binh", "Trần Thị Bình", "class_a1", 4, 5),
                                                  ("cuong", "Lê Cường", "class_b1", 3, 3),
                                                  ("dung", "Phạm Dũng", "class_b1", 2, 3)]:
        user = make_user(username, org=sample_tree[unit], full_name=name)
        services.register(user, contest, services.RegistrationForm(full_name=name))
        play(user, round_, right, PAST_OPEN + timedelta(hours=1), minutes)
        people[username] = user
    admin = make_user("quantri", roles=[("admin", None)], full_name="Quản Trị")
    organiser = make_user("btc", org=sample_tree["province"], full_name="Ban Tổ Chức")
    db.session.commit()
    return {"contest": contest, "round": round_, "people": people, "admin": admin, "organiser": organiser}


def test_only_admins_and_the_contests_organisers_reach_the_pages(client, closed_contest, make_user, sample_tree):
    make_user("ngoai", org=sample_tree["class_a1"])
    login(client, "ngoai")
    assert client.get("/contests/manage/hoi-thi-2026/").status_code == 404
    assert client.get("/contests/manage/").status_code == 404
    logout(client)
    login(client, "quantri")
    page = post_form(client, "/contests/manage/hoi-thi-2026/organisers", {"username": "btc"},
                     page="/contests/manage/hoi-thi-2026/")
    assert page.status_code == 302
    logout(client)
    login(client, "btc")
    assert client.get("/contests/manage/hoi-thi-2026/").status_code == 200
    assert "Hội thi tuyên truyền viên giỏi 2026" in client.get("/contests/manage/").get_data(as_text=True)


def test_an_organiser_is_found_whatever_case_the_admin_types(client, closed_contest):
    login(client, "quantri")
    post_form(client, "/contests/manage/hoi-thi-2026/organisers", {"username": "  BTC "},
              page="/contests/manage/hoi-thi-2026/")
    logout(client)
    login(client, "btc")
    assert client.get("/contests/manage/hoi-thi-2026/").status_code == 200


def test_every_setting_change_is_logged_with_old_and_new_values(client, closed_contest):
    login(client, "quantri")
    url = "/contests/manage/hoi-thi-2026/"
    response = post_form(client, url, {"title": "Hội thi 2026 (sửa)", "rules_md": "## Thể lệ\n\nMỗi người một lượt.",
                                       "scope_code": "P", "status": "closed", "date_of_birth": "required",
                                       "phone": "optional", "school": "off", "class_name": "off", "unit_name": "off"},
                         page=url)
    assert response.status_code == 302
    contest = db.session.scalar(select(Contest).where(Contest.slug == "hoi-thi-2026"))
    assert contest.registration_fields == {"date_of_birth": True, "phone": False}
    assert "<h2>Thể lệ</h2>" in contest.rules_html
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contest.settings")).one()
    assert event.detail["changes"]["title"] == ["Hội thi tuyên truyền viên giỏi 2026", "Hội thi 2026 (sửa)"]
    assert event.detail["changes"]["status"] == ["open", "closed"]
    assert "scope_org_id" not in event.detail["changes"]  # unchanged fields are not logged
    assert "Hội thi 2026 (sửa)" in client.get(url).get_data(as_text=True)  # history on the page


def test_round_times_are_typed_in_vietnam_time_and_the_paper_is_locked_once_started(client, closed_contest):
    login(client, "quantri")
    form = {"title": "Chung kết", "kind": "quiz", "opens_at": "2026-12-20T08:00", "closes_at": "2026-12-20T23:59",
            "bank": "vong-1", "draw": "3", "time_limit_minutes": "20", "attempts_allowed": "1", "counting": "best",
            "tiebreaker_question": "", "hide_results_until_close": "y", "freeze_minutes": "0", "weight": "2"}
    response = post_form(client, "/contests/manage/hoi-thi-2026/rounds/new", form,
                         page="/contests/manage/hoi-thi-2026/rounds/new")
    assert response.status_code == 302
    final = closed_contest["contest"].rounds[1]
    db.session.refresh(final)
    assert (final.opens_at, final.closes_at) == (datetime(2026, 12, 20, 1, 0), datetime(2026, 12, 20, 16, 59))
    assert final.weight == 2 and final.draw == 3
    # Round 1 has results: its paper may not change, its window may.
    url = "/contests/manage/hoi-thi-2026/rounds/1"
    changed = {**form, "title": "Vòng 1", "opens_at": "2026-11-01T08:00", "closes_at": "2026-11-02T08:00", "draw": "2"}
    page = post_form(client, url, changed, page=url).get_data(as_text=True)
    assert "can no longer change" in page or "không thể thay đổi" in page
    db.session.refresh(closed_contest["round"])
    assert closed_contest["round"].draw is None


def test_publication_prizes_list_certificates_and_public_pages(client, closed_contest):
    contest = closed_contest["contest"]
    login(client, "quantri")
    prizes_url = "/contests/manage/hoi-thi-2026/prizes"
    # The tiebreaker's true count is still missing: publishing is refused with the reason.
    page = client.get(prizes_url).get_data(as_text=True)
    assert "true count" in page or "số đúng" in page.lower() or "tiebreaker" in page
    post_form(client, "/contests/manage/hoi-thi-2026/rounds/1/true-count", {"true_count": "", "use_perfect": "1"},
              page="/contests/manage/hoi-thi-2026/rounds/1")
    assert closed_contest["round"].tiebreaker_answer == 2  # An and Bình answered everything
    post_form(client, prizes_url, {"first": "1", "second": "1", "third": "1", "consolation": "0",
                                   "collective": "1", "collective_level": "school"}, page=prizes_url)
    response = post_form(client, "/contests/manage/hoi-thi-2026/publish", {}, page=prizes_url)
    assert response.status_code == 302
    db.session.expire_all()
    awards = organise.awards_of(db.session.get(Contest, contest.id))
    assert [(a.prize, a.name) for a in awards if a.kind == "individual"] == [
        ("first", "Trần Thị Bình"), ("second", "Nguyễn Văn An"), ("third", "Lê Cường")]
    collective = [a for a in awards if a.kind == "collective"]
    assert len(collective) == 1 and collective[0].name in {"School A", "School B"} | {a.name for a in collective}

    workbook = load_workbook(io.BytesIO(client.get("/contests/manage/hoi-thi-2026/prizes.xlsx").data))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][:5] == ("STT", "Loại giải", "Giải", "Hạng", "Họ và tên / Tập thể")
    assert rows[2][2:5] == ("Giải Nhất", 1, "Trần Thị Bình")

    pdf = client.get("/contests/manage/hoi-thi-2026/awards.pdf")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == len(awards)
    first_page = reader.pages[0].extract_text()
    assert "Trần Thị Bình" in first_page and "Giải Nhất".upper() in first_page
    code = awards[0].code
    assert code in first_page
    import pypdfium2
    import zxingcpp

    image = pypdfium2.PdfDocument(pdf.data)[0].render(scale=3).to_pil()
    decoded = [r.text for r in zxingcpp.read_barcodes(image)]
    assert any(text.endswith(f"/contests/hoi-thi-2026/awards/{code}") for text in decoded)
    # Signed like a course certificate (issue 16): /verify lists every award it certifies, and
    # a page added afterwards is refused.
    from lms.certificates.keys import public_keys
    from lms.certificates.verify import verify_document

    verdict = verify_document(pdf.data, public_keys())
    assert verdict.code == "valid" and verdict.payload["codes"] == [a.code for a in awards]
    token = csrf_token(client, "/verify")
    checked = client.post("/verify", data={"csrf_token": token, "f-file": (io.BytesIO(pdf.data), "giay-khen.pdf")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "Trần Thị Bình" in checked and "Còn giá trị" in checked and code in checked
    assert verify_document(pdf.data + b"\n" + b"x" * 64, public_keys()).code == "appended_bytes"

    logout(client)
    results = client.get("/contests/hoi-thi-2026/results").get_data(as_text=True)
    assert "Trần Thị Bình" in results and "Phạm Dũng" not in results
    assert "Trần Thị Bình" in client.get(f"/contests/hoi-thi-2026/awards/{code}").get_data(as_text=True)
    assert client.get("/contests/hoi-thi-2026/awards/KHONGCOMA1").status_code == 404
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"contest.publish", "contest.prizes", "contest.round.true_count", "contest.prizes.export",
            "contest.awards.print"} <= actions


def test_withdrawing_results_needs_a_reason_and_voids_the_codes(client, closed_contest):
    organise.set_true_count(None, closed_contest["round"], 2)
    organise.set_prize_settings(None, closed_contest["contest"], {"first": 1, "second": 1}, 0, None)
    awards = organise.publish_results(None, closed_contest["contest"])
    db.session.commit()
    code = awards[0].code
    login(client, "quantri")
    post_form(client, "/contests/manage/hoi-thi-2026/withdraw", {"reason": ""}, page="/contests/manage/hoi-thi-2026/prizes")
    assert closed_contest["contest"].status == "published"
    post_form(client, "/contests/manage/hoi-thi-2026/withdraw", {"reason": "Sai đáp án câu 3"},
              page="/contests/manage/hoi-thi-2026/prizes")
    db.session.expire_all()
    assert db.session.get(Contest, closed_contest["contest"].id).status == "closed"
    assert db.session.scalar(select(Award).where(Award.code == code)) is None
    assert client.get(f"/contests/hoi-thi-2026/awards/{code}").status_code == 404


def test_publication_waits_for_every_round_to_close(closed_contest):
    contest = closed_contest["contest"]
    organise.set_true_count(None, closed_contest["round"], 2)
    organise.add_round(None, contest, organise.RoundSettings(
        title="Chung kết", kind="quiz", opens_at=utcnow() - timedelta(hours=1), closes_at=utcnow() + timedelta(days=1),
        bank_slug="vong-1"))
    with pytest.raises(Exception) as err:
        organise.publish_results(None, contest)
    assert "Chung kết" in str(err.value)


def test_every_contest_answer_is_kept_in_the_answer_log(closed_contest):
    logged = db.session.scalars(select(AnswerLog)).all()
    # 4 + 4 + 3 + 2 answers were saved in the fixture's round.
    assert len(logged) == 13
    assert all(entry.saved_at is not None for entry in logged)


def test_a_participants_data_export_and_erasure_cover_the_contest(closed_contest):
    from lms.privacy.services import DELETED_NAME, execute_deletion, export_personal_data

    organise.set_true_count(None, closed_contest["round"], 2)
    organise.set_prize_settings(None, closed_contest["contest"], {"first": 1}, 0, None)
    organise.publish_results(None, closed_contest["contest"])
    db.session.commit()
    binh = closed_contest["people"]["binh"]
    exported = export_personal_data(binh)["contests"]
    assert exported[0]["full_name"] == "Trần Thị Bình" and exported[0]["awards"][0]["prize"] == "first"
    assert exported[0]["results"][0]["score"] == 100.0
    execute_deletion(None, binh)
    db.session.commit()
    award = db.session.scalars(select(Award)).one()
    assert award.name == DELETED_NAME and award.prize == "first"  # the ranking stands, without the person


def test_a_data_export_keeps_hidden_results_hidden_until_the_round_closes(closed_contest):
    """Otherwise a participant could download her data mid-round and learn which answers are right."""
    from lms.core.timeutil import utcnow
    from lms.privacy.services import export_personal_data

    closed_contest["round"].closes_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    exported = export_personal_data(closed_contest["people"]["binh"])
    assert exported["contests"][0]["results"][0]["score"] is None
    [attempt] = exported["quizzes"]
    assert attempt["percent"] is None and {a["score"] for a in attempt["answers"]} == {None}
    closed_contest["round"].closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    exported = export_personal_data(closed_contest["people"]["binh"])
    assert exported["contests"][0]["results"][0]["score"] == 100.0
    assert {a["score"] for a in exported["quizzes"][0]["answers"]} == {1.0}


def test_the_organiser_sees_a_participants_answer_log_and_outsiders_do_not(client, closed_contest, make_user, sample_tree):
    from lms.contests.models import Registration

    registration = db.session.scalar(select(Registration).where(Registration.full_name == "Lê Cường"))
    url = f"/contests/manage/hoi-thi-2026/participants/{registration.id}"
    make_user("ngoai2", org=sample_tree["class_a1"])
    login(client, "ngoai2")
    assert client.get(url).status_code == 404
    logout(client)
    login(client, "quantri")
    page = client.get(url).get_data(as_text=True)
    # Three answers saved, in order, each by its question's number and the option's text (issue 18:
    # the log showed "#26" and "[0]").
    assert "Lê Cường" in page and "[0]" not in page
    rows = re.findall(r"<td>Câu (\d+)</td>\s*<td>([^<]+)</td>", page)
    assert rows == [("1", "Đúng 0"), ("2", "Đúng 1"), ("3", "Đúng 2")]
    assert "contest.participant.view" in set(db.session.scalars(select(AuditEvent.action)))
