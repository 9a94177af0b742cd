"""The courses and banks the project ships, judged by the rules a ministry would apply before
handing them out (issue 19): current law, current local government, every lesson dated and
illustrated, banks that cannot be passed by picking the longest or the shortest option."""

import re
from pathlib import Path

import pytest

from lms.core.timeutil import vn_today
from lms.courses.content import check
from lms.courses.lint import course_advice
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.lint import KEY_LONGEST_LIMIT, bank_advice, bank_shape

ROOT = Path(__file__).resolve().parents[2]
COURSES, QUIZZES = ROOT / "courses", ROOT / "quizzes"
BANKS = sorted(QUIZZES.glob("*.md"))


@pytest.fixture(scope="module")
def shipped():
    courses, problems = check([COURSES], QUIZZES)
    assert problems == []
    return courses


def lesson_texts():
    """What learners read: course introductions and lessons (a teacher guide quotes scam
    messages on purpose, for pupils to sort)."""
    for path in sorted(COURSES.glob("*/*.md")):
        if path.name != "teacher-guide.md":
            yield path, path.read_text(encoding="utf-8")


def test_every_lesson_is_dated_within_a_year_and_illustrated(shipped):
    warnings = [str(w) for course in shipped for w in course_advice(course, vn_today())]
    assert warnings == []


@pytest.mark.parametrize("bank", BANKS, ids=[b.stem for b in BANKS])
def test_no_bank_can_be_passed_by_picking_the_longest_or_shortest_option(bank):
    parsed = parse_markdown_bank(bank.read_text(encoding="utf-8"))
    assert parsed.issues == []
    shape = bank_shape(parsed)
    assert shape.key_longest_share <= KEY_LONGEST_LIMIT, (shape.key_longest, shape.singles)
    assert bank_advice(parsed) == []


def test_course_banks_draw_every_lesson(shipped):
    for course in shipped:
        bank = course.doc.meta.get("quiz")
        if not bank:
            continue
        settings = parse_markdown_bank((QUIZZES / f"{bank}.md").read_text(encoding="utf-8")).settings
        draw = settings.get("draw")
        assert isinstance(draw, dict) and len(draw) >= len(course.lessons), (course.slug, draw)


def test_the_repealed_personal_data_decree_is_never_the_rule():
    # Nghị định 13/2023/NĐ-CP was replaced on 1/1/2026 by Nghị định 356/2025/NĐ-CP (Luật 91/2025/QH15).
    for path, text in [*lesson_texts(), *((b, b.read_text(encoding="utf-8")) for b in BANKS)]:
        for line in text.splitlines():
            if re.search(r"Nghị định 13/2023|NĐ 13/2023", line):
                assert re.search(r"thay|hết hiệu lực|trước đây|trước 2026|cũ", line), (path.name, line)


def test_the_commune_counter_carries_its_2025_name():
    # Nghị định 118/2025/NĐ-CP: the Trung tâm Phục vụ hành chính công at commune level from 1/7/2025.
    for path, text in lesson_texts():
        flat = " ".join(text.split())  # a name may wrap across lines
        if "bộ phận một cửa" in flat.lower():
            assert "Trung tâm Phục vụ hành chính công" in flat, path.name


def test_no_district_police_except_as_a_warning_sign():
    # Công an cấp huyện ended on 1/3/2025; districts ended on 1/7/2025.
    for path, text in lesson_texts():
        for m in re.finditer(r"Công an (quận|huyện)", text):
            near = text[max(0, m.start() - 500):m.end() + 500]
            assert re.search(r"không còn|giải thể|kết thúc hoạt động|đã bỏ|dấu hiệu|giả danh|thật hay giả", near), (path.name, text[m.start():m.end() + 80])
