"""Issue 15 with a database: options keep their identity across versions so a regrade
grades by meaning (fault 7), options that refer to others stay in place (fault 9), and
descriptions reach the paper before their questions (fault 3)."""

import random

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.formats.aiken import parse_aiken
from lms.quizzes.formats.gift import parse_gift
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt, AttemptAnswer, Question, QuestionVersion, Regrade
from lms.quizzes.rules import draw_items
from tests.conftest import login, post_form
from tests.support.shared_fixtures import public_case as shared_case


def public_case(name) -> str:
    return shared_case(name).read_text(encoding="utf-8")


BANK = """---
title: "Bảo vệ tài khoản"
---
## Việc nào giúp bảo vệ tài khoản VNeID?
id: q-bao-ve
- [x] Không chia sẻ mã OTP
- [ ] Cho người lạ mượn điện thoại
- [ ] Bấm vào đường link lạ
"""


def current_choices(key):
    question = db.session.scalar(select(Question).where(Question.key == key))
    return [(c["id"], c["text"]) for c in question.current.data["choices"]]


def test_options_get_ids_that_follow_them_through_new_versions(app):
    services.load_bank("bao-ve", parse_markdown_bank(BANK))
    assert current_choices("q-bao-ve") == [("c1", "Không chia sẻ mã OTP"), ("c2", "Cho người lạ mượn điện thoại"),
                                           ("c3", "Bấm vào đường link lạ")]
    _, again = services.load_bank("bao-ve", parse_markdown_bank(BANK))
    assert (again.unchanged, again.updated) == (1, 0)  # ids are not part of what the author wrote
    edited = BANK.replace("- [x] Không chia sẻ mã OTP\n- [ ] Cho người lạ mượn điện thoại\n- [ ] Bấm vào đường link lạ",
                          "- [ ] Bấm vào đường link lạ nhận qua tin nhắn\n- [x] Không chia sẻ mã OTP\n"
                          "- [ ] Cài ứng dụng từ nguồn lạ")
    parsed = parse_markdown_bank(edited)
    _, report = services.load_bank("bao-ve", parsed)
    assert report.updated == 1
    # Reordered keeps c1, corrected text keeps c3, the removed option's id is not reused.
    assert current_choices("q-bao-ve") == [("c3", "Bấm vào đường link lạ nhận qua tin nhắn"),
                                           ("c1", "Không chia sẻ mã OTP"), ("c4", "Cài ứng dụng từ nguồn lạ")]
    assert [c.id for c in parsed.questions[0].choices] == ["c3", "c1", "c4"]
    _, same = services.load_bank("bao-ve", parse_markdown_bank(edited))
    assert same.unchanged == 1
    bank = services.get_bank("bao-ve")
    exported = services.bank_as_parsed(bank)[0]
    assert [(c.id, c.pinned) for c in exported.choices] == [("c3", False), ("c1", False), ("c4", False)]


def _answer(attempt, text):
    """Save the option whose text is ``text`` (by its index in the version on the paper)."""
    item = attempt.items[0]
    version = db.session.get(QuestionVersion, item["v"])
    index = next(i for i, c in enumerate(version.data["choices"]) if c["text"] == text)
    services.save_answer(attempt, version.id, [str(index)])


def _regrade_fixture(make_user):
    admin = make_user("admin", roles=[("admin", None)], full_name="Quản Trị")
    an = make_user("hs.an", full_name="Nguyễn Văn An")
    binh = make_user("hs.binh", full_name="Trần Thị Bình")
    bank, _ = services.load_bank("dinh-danh", parse_gift(public_case("gift-regrade-key-fixed-options-reordered.v1.gift.txt")))
    attempts = {}
    for learner, choice in ((an, "VNeID"), (binh, "Zalo")):
        attempt = services.start_attempt(learner, bank, rng=random.Random(learner.id))
        _answer(attempt, choice)
        services.finish_attempt(attempt)
        attempts[learner.username] = attempt
    db.session.commit()
    assert (attempts["hs.an"].percent, attempts["hs.binh"].percent) == (0.0, 100.0)  # v1's wrong key
    _, report = services.load_bank("dinh-danh", parse_gift(public_case("gift-regrade-key-fixed-options-reordered.v2.gift.txt")))
    db.session.commit()
    assert report.updated == 1
    return admin, bank, attempts


def test_regrade_after_the_key_was_fixed_and_options_reordered_grades_by_meaning(app, make_user):
    admin, bank, attempts = _regrade_fixture(make_user)
    question = db.session.scalar(select(Question).where(Question.key == "rg1"))
    v1_order = [db.session.get(QuestionVersion, attempts["hs.an"].items[0]["v"]).data["choices"][i]["text"]
                for i in attempts["hs.an"].items[0]["order"]]
    report = services.regrade_question(admin, question)
    db.session.commit()
    assert report.answers == 2 and report.skipped == 0
    assert [(r["full_name"], r["username"], r["before"], r["after"], r["passed_before"], r["passed_after"])
            for r in report.attempts_changed] == [("Nguyễn Văn An", "hs.an", 0.0, 100.0, False, True),
                                                  ("Trần Thị Bình", "hs.binh", 100.0, 0.0, True, False)]
    an = db.session.get(Attempt, attempts["hs.an"].id)
    assert an.percent == 100.0 and an.items[0]["v"] == question.current_version_id
    # The review shows the same choice and the options in the order this learner saw them.
    paper = services.attempt_paper(an)
    shown = [text for _, text in paper[0].options]
    assert shown == v1_order
    assert question.current.data["choices"][paper[0].response[0]]["text"] == "VNeID"
    assert paper[0].fraction == 1.0
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == an.id))
    assert answer.question_version_id == question.current_version_id
    assert services.regrade_question(admin, question).answers == 0  # nothing left on the old version


def test_the_regrade_page_names_each_learner_whose_score_changed(app, client, make_user):
    admin, bank, _ = _regrade_fixture(make_user)
    question = db.session.scalar(select(Question).where(Question.key == "rg1"))
    login(client, "admin")
    response = post_form(client, f"/quizzes/banks/dinh-danh/questions/{question.id}/regrade", {},
                         page="/quizzes/banks/dinh-danh")
    # The report is a page of its own: reloading it shows it again, it does not regrade.
    assert response.status_code == 302 and "/regrades/" in response.headers["Location"]
    location = response.headers["Location"]
    assert client.get(location).status_code == 200
    response = client.get(location)  # reloaded
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Regrade.id))) == 1
    an_row = html[html.index("Nguyễn Văn An"):html.index("Trần Thị Bình")]
    binh_row = html[html.index("Trần Thị Bình"):html.index("</tbody>")]
    assert "hs.an" in an_row and "0%" in an_row and "100%" in an_row
    assert an_row.index("0%") < an_row.index("100%")
    assert "hs.binh" in binh_row and binh_row.index("100%") < binh_row.rindex("0%")


def test_item_statistics_count_older_answers_as_the_same_options(app, make_user):
    admin = make_user("admin", roles=[("admin", None)])
    bank, _ = services.load_bank("dinh-danh", parse_gift(public_case("gift-regrade-key-fixed-options-reordered.v1.gift.txt")))
    for n, choice in enumerate(["VNeID", "VNeID", "VNeID", "Zalo"]):
        learner = make_user(f"hs.{n}")
        attempt = services.start_attempt(learner, bank, rng=random.Random(n))
        _answer(attempt, choice)
        services.finish_attempt(attempt)
    db.session.commit()
    services.load_bank("dinh-danh", parse_gift(public_case("gift-regrade-key-fixed-options-reordered.v2.gift.txt")))
    db.session.commit()
    question = db.session.scalar(select(Question).where(Question.key == "rg1"))
    stats = services.bank_item_stats(bank, admin)[question.id]
    # Under v2 VNeID is right: the one wrong choice among the v1 answers is Zalo, chosen once.
    assert question.current.data["choices"][stats.top_wrong_option]["text"] == "Zalo"
    assert stats.top_wrong_count == 1


def test_all_of_the_above_stays_last_whatever_the_shuffle(app, make_user):
    parsed = parse_aiken(public_case("aiken-all-of-the-above-shuffled.aiken.txt"))
    bank, _ = services.load_bank("bao-ve", parsed)
    assert [str(n) for n in parsed.notes] == [
        "dòng 1: phương án D được giữ nguyên vị trí khi đảo thứ tự phương án: phương án này nhắc đến các phương án khác"]
    db.session.commit()
    candidates = services.paper_candidates(services.current_versions(bank))
    version = services.current_versions(bank)[0]
    firsts = set()
    for seed in range(200):
        order = draw_items(candidates, None, True, True, random.Random(seed))[0]["order"]
        assert version.data["choices"][order[-1]]["text"] == "Tất cả các đáp án trên"
        firsts.add(order[0])
    assert firsts == {0, 1, 2}  # the other options are still shuffled
    attempt = services.start_attempt(make_user("hs.an"), bank, rng=random.Random(7))
    assert services.attempt_paper(attempt)[0].options[-1][1] == "Tất cả các đáp án trên"
    _, again = services.load_bank("bao-ve", parse_aiken(public_case("aiken-all-of-the-above-shuffled.aiken.txt")))
    assert again.unchanged == 1


@pytest.mark.parametrize("shuffle", [False, True])
def test_a_description_is_on_the_paper_before_its_questions_unnumbered(app, make_user, shuffle):
    bank, _ = services.load_bank("tinh-huong", parse_gift(public_case("gift-essay-and-description.gift.txt")))
    db.session.commit()
    attempt = services.start_attempt(make_user("hs.an"), bank, rng=random.Random(3),
                                     settings={"shuffle_questions": shuffle})
    paper = services.attempt_paper(attempt)
    assert paper[0].version.type == "description" and paper[0].number is None
    assert paper[0].version.text.startswith("Đọc tình huống")
    assert sorted(item.version.question.key for item in paper[1:]) == ["tn1", "tn2"]  # the essay is not on the paper
    assert [item.number for item in paper[1:]] == [1, 2]
    assert attempt.max_score == 2.0  # the description carries no points
    for item in paper[1:]:
        index = next(i for i, c in enumerate(item.version.data["choices"]) if c["fraction"] > 0)
        services.save_answer(attempt, item.version.id, [str(index)])
    services.finish_attempt(attempt)
    assert (attempt.score, attempt.percent) == (2.0, 100.0)
    assert services.attempt_paper(attempt)[0].fraction is None
