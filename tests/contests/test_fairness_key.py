"""The key of a contest round stays hidden from participants until the round closes, even when
the round shows scores and a live leaderboard at once (issue 17, fairness controls): the
review shows the score but no right answer, verdict or explanation until the close plus grace;
and each attempt's own score shows during a round only when it allows one attempt, since each retry's score would
tell the key."""

import json
from datetime import timedelta

import pytest

from lms.contests import organise, services
from lms.contests.models import ContestRound
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt
from lms.quizzes.rules import GRACE
from tests.conftest import login, post_form

BANK = """---
title: Vòng sơ khảo
shuffle_options: false
shuffle_questions: false
---
## Ứng dụng định danh điện tử quốc gia là gì?
- [x] Ứng dụng VNeID
- [ ] Ứng dụng Zalo

> Lời giải một: VNeID do Bộ Công an phát triển.

## Có nên đọc mã OTP cho người lạ?
- [ ] Nên đọc cho họ
- [x] Không bao giờ đọc

> Lời giải hai: mã OTP là bí mật.
"""
CONTEST = "/contests/hoi-thi/"


def leaks(html: str) -> list[str]:
    """Traces of the key in a page: explanations, the right-answer line, verdict marks."""
    return [m for m in ("Lời giải một", "Lời giải hai", "Đáp án đúng:", "✓", "✗", "◐") if m in html]


@pytest.fixture
def live_round(app, sample_tree, make_user):
    """A running round that shows scores and its leaderboard at once, one attempt each."""
    contest = services.create_contest(None, "hoi-thi", "Hội thi", scope=sample_tree["province"])
    contest.status = "open"
    quiz_services.load_bank("so-khao", parse_markdown_bank(BANK))
    now = utcnow()
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1),
        bank_slug="so-khao", time_limit_minutes=30, hide_results_until_close=False))
    db.session.commit()
    make_user("ts.an", org=sample_tree["class_a1"], full_name="Nguyễn Văn An")
    return round_


def sit(client, answer="1") -> Attempt:
    login(client, "ts.an")
    post_form(client, CONTEST, {"full_name": "Nguyễn Văn An"}, page=CONTEST)
    started = post_form(client, CONTEST + "rounds/1/start", {}, page=CONTEST)
    attempt = db.session.get(Attempt, int(started.headers["Location"].rstrip("/").split("/")[-1]))
    form = {f"q{item['v']}": answer for item in attempt.items} | {"action": "submit"}
    post_form(client, f"/quizzes/attempts/{attempt.id}", form, page=f"/quizzes/attempts/{attempt.id}")
    return attempt


def close(round_id):
    round_ = db.session.get(ContestRound, round_id)
    round_.closes_at = utcnow() - GRACE - timedelta(seconds=1)
    db.session.commit()


def test_scores_and_the_board_show_at_once_but_not_the_key(client, live_round):
    attempt = sit(client)
    review = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Điểm: 1 / 2 (50%)" in review  # the score, as the organiser chose
    assert leaks(review) == []
    board = client.get(CONTEST + "rounds/1/leaderboard.json").json
    assert [row["score"] for row in board["rows"]] == [50.0]
    exported = json.loads(post_form(client, "/me/data", {}, page="/me/data").get_data(as_text=True))
    [mine] = [a for a in exported["quizzes"] if a.get("contest_round")]
    assert mine["percent"] == 50.0 and all(a["score"] is None for a in mine["answers"])
    # Within the grace after the close answers may still count: still sealed.
    round_ = db.session.get(ContestRound, live_round.id)
    round_.closes_at = utcnow() - timedelta(seconds=5)
    db.session.commit()
    assert leaks(client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)) == []
    close(live_round.id)
    review = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Đáp án đúng:" in review and "Lời giải một" in review


def test_a_live_board_with_several_attempts_is_allowed_and_the_organiser_warned(client, live_round, make_user):
    """The issue's own contest: two attempts, the best counts, a live board with a freeze. The
    organiser may choose it; the round's page says what several attempts cost."""
    from lms.auth.models import RoleAssignment
    from lms.core.timeutil import to_vn

    organiser = make_user("btc")
    db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=live_round.contest_id))
    db.session.commit()
    login(client, "btc")
    url = "/contests/manage/hoi-thi/rounds/1"
    form = {"title": "Vòng 1", "kind": "quiz", "opens_at": to_vn(live_round.opens_at).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": to_vn(live_round.closes_at).strftime("%Y-%m-%dT%H:%M"), "bank": "so-khao",
            "time_limit_minutes": "30", "attempts_allowed": "2", "counting": "best", "freeze_minutes": "10",
            "weight": "1"}
    post_form(client, url, form)
    db.session.expire_all()
    assert db.session.get(ContestRound, live_round.id).attempts_allowed == 2
    html = client.get(url).get_data(as_text=True)
    assert "cho phép làm 2 lượt: thí sinh đổi một đáp án mỗi lượt" in html


def test_a_round_saved_earlier_with_several_attempts_keeps_scores_until_the_close(client, live_round):
    live_round.attempts_allowed = 3  # as a round saved before the combination was refused
    db.session.commit()
    attempt = sit(client)
    review = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Điểm:" not in review and "Kết quả được công bố sau khi vòng thi kết thúc." in review
    assert leaks(review) == []
    close(live_round.id)
    review = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Điểm: 1 / 2 (50%)" in review and "Đáp án đúng:" in review
