"""Importing, exporting, statistics and regrading banks."""

from sqlalchemy import select

from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt, Question, Regrade
from lms.quizzes.stats import Response, item_stats
from tests.quizzes.test_formats import moodle_file

KEY_WRONG = """---
title: "Khoá sai"
shuffle_options: false
shuffle_questions: false
---
## Ứng dụng định danh?
id: q-vneid
- [ ] VNeID
- [x] Zalo

## OTP có được chia sẻ?
id: q-otp
- [ ] Đúng
- [x] Sai
"""


def test_import_cli_reports_and_is_idempotent(app, tmp_path):
    runner = app.test_cli_runner()
    gift = moodle_file("examples.gift.txt")
    first = runner.invoke(args=["import-questions", str(gift), "--bank", "moodle"])
    assert first.exit_code == 0, first.output
    assert "Đã nhập 43 câu hỏi (Moodle GIFT) vào moodle: mới 43" in first.output
    again = runner.invoke(args=["import-questions", str(gift), "--bank", "moodle"])
    assert "giữ nguyên 43" in again.output
    out = tmp_path / "bank.gift"
    exported = runner.invoke(args=["export-questions", "--bank", "moodle", "--format", "gift", "-o", str(out)])
    assert exported.exit_code == 0
    import stat

    # Every right answer is in that file: written whole, private to the operator (issue 14, fault 8).
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and not list(tmp_path.glob("*.part"))
    back = runner.invoke(args=["import-questions", str(out), "--bank", "moodle-copy"])
    assert "mới 43" in back.output


def test_import_cli_refuses_a_broken_file_and_writes_nothing(app, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: x\n---\n## Câu 1\n- [x] A\n- [ ] B\n## Câu 2\n- [ ] A\n- [ ] B\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-questions", str(bad), "--bank", "hong"])
    assert result.exit_code == 1
    assert "dòng 7: câu hỏi “Câu 2” chưa có phương án đúng" in result.output
    assert db.session.scalar(select(Question.id)) is None


def test_item_statistics_flag_a_wrong_key():
    # The strongest attempts all chose option 0, which the key marks wrong.
    responses = [Response(90.0, 0.0, (0,))] * 5 + [Response(30.0, 1.0, (1,))] * 5
    stats = item_stats(responses, right_options={1})
    assert stats.answered == 10 and stats.facility == 0.5
    assert stats.discrimination < 0
    assert (stats.top_wrong_option, stats.top_wrong_count) == (0, 5)
    assert item_stats([], {0}).facility is None


def test_regrade_after_fixing_a_wrong_key_reports_changes(app, make_user):
    admin = make_user("admin", roles=[("admin", None)])
    learner = make_user("hs.an")
    bank, _ = services.load_bank("khoa", parse_markdown_bank(KEY_WRONG))
    attempt = services.start_attempt(learner, bank)
    for item in attempt.items:
        services.save_answer(attempt, item["v"], ["0"] if "định danh" in _text(item) else ["1"])
    services.finish_attempt(attempt)
    db.session.commit()
    assert attempt.percent == 50.0
    stats = services.bank_item_stats(bank, admin)
    assert len(stats) == 2
    fixed = KEY_WRONG.replace("- [ ] VNeID\n- [x] Zalo", "- [x] VNeID\n- [ ] Zalo")
    services.load_bank("khoa", parse_markdown_bank(fixed))
    db.session.commit()
    question = db.session.scalar(select(Question).where(Question.key == "q-vneid"))
    report = services.regrade_question(admin, question)
    db.session.commit()
    assert report.answers == 1
    assert report.attempts_changed == [{"attempt": attempt.id, "user_id": learner.id, "full_name": learner.full_name,
                                        "username": "hs.an", "before": 50.0, "after": 100.0,
                                        "passed_before": False, "passed_after": True}]
    assert db.session.get(Attempt, attempt.id).percent == 100.0
    assert db.session.scalar(select(Regrade.report)) == {"answers": 1, "skipped": 0, "attempts": report.attempts_changed}


def _text(item):
    from lms.quizzes.models import QuestionVersion

    return db.session.get(QuestionVersion, item["v"]).text
