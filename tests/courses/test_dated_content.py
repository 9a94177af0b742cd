"""Dated facts, pictures, language versions and the steps layout (issue 19)."""

from datetime import date

import pytest

from lms.courses.content import check
from lms.courses.languages import language_name, speech_tag
from lms.courses.lint import course_advice, missing_versions, stale_lessons
from lms.courses.rules import content_version, facts_age_months, facts_are_stale, parse_facts_as_of
from lms.courses.sync import sync_content
from lms.extensions import db
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.ir import Choice
from lms.quizzes.lint import bank_advice, bank_shape, key_is_longest, key_is_shortest
from tests.conftest import login

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 120"><text x="10" y="40">Bước 1</text></svg>\n'
TODAY = date(2026, 12, 1)


def lesson(title="Tài khoản VNeID", facts="2026-11", body="![Sơ đồ ba bước kích hoạt VNeID](so-do.svg)\n\nNội dung.\n",
           extra=""):
    dated = f"facts_as_of: {facts}\n" if facts else ""
    return f"---\ntitle: {title}\n{dated}{extra}---\n{body}"


@pytest.fixture
def course_dir(content_dirs):
    courses, quizzes = content_dirs
    folder = courses / "dich-vu-cong"
    (folder / "so-do.svg").write_text(SVG, encoding="utf-8")
    (folder / "01-gioi-thieu.md").write_text(lesson("Giới thiệu", extra="sources:\n  - Nghị định 69/2024/NĐ-CP\n"), encoding="utf-8")
    (folder / "02-vneid.md").write_text(lesson(), encoding="utf-8")
    return courses, quizzes, folder


def messages(courses, quizzes):
    return [p.message for p in check([courses], quizzes)[1]]


# --- rules ---------------------------------------------------------------------------------

def test_facts_as_of_is_a_month_and_ages_in_whole_months():
    assert parse_facts_as_of("2026-11") == (2026, 11)
    for bad in ("2026-13", "11/2026", "2026", "2026-11-05", "26-11", ""):
        assert parse_facts_as_of(bad) is None, bad
    assert facts_age_months("2025-11", date(2026, 11, 30)) == 12
    assert facts_age_months("2027-01", TODAY) == -1


def test_twelve_months_is_still_fresh_thirteen_is_stale():
    assert not facts_are_stale("2025-12", TODAY)
    assert facts_are_stale("2025-11", TODAY)
    assert not facts_are_stale(None, TODAY)  # undated is a separate warning, not "stale"


def test_the_learners_pick_wins_then_the_interface_language_then_the_original():
    assert content_version(["en", "km"], "km", "vi", "vi") == "km"
    assert content_version(["en", "km"], "tyz", "en", "vi") == "en"  # picked elsewhere, missing here
    assert content_version(["km"], None, "en", "vi") == "vi"
    assert content_version(["km"], "vi", "vi", "vi") == "vi"


def test_language_names_are_vietnamese_and_never_empty():
    assert language_name("km") == "Tiếng Khmer"
    assert language_name("tyz") == "Tiếng Tày"
    assert language_name("km-Latn") == "Tiếng Khmer (km-Latn)"
    assert language_name("pcc") == "pcc"
    assert language_name("pcc", {"pcc": "Tiếng Giáy"}) == "Tiếng Giáy"
    assert speech_tag("vi") == "vi-VN" and speech_tag("km") == "km"


# --- check-content: errors -------------------------------------------------------------------

def test_a_dated_illustrated_course_passes_without_warnings(course_dir):
    courses, quizzes, _ = course_dir
    sources, problems = check([courses], quizzes)
    assert problems == []
    assert course_advice(sources[0], TODAY) == []


def test_a_malformed_date_names_the_file_the_line_and_the_form(course_dir):
    courses, quizzes, folder = course_dir
    (folder / "02-vneid.md").write_text(lesson(facts='"11/2026"'), encoding="utf-8")
    problems = check([courses], quizzes)[1]
    assert [str(p) for p in problems] == [
        f"{folder / '02-vneid.md'}:3: facts_as_of must be the month the facts were checked, as YYYY-MM (e.g. 2026-11), got '11/2026'"]


def test_a_full_date_is_refused_as_a_month_not_shown_as_python(course_dir):
    courses, quizzes, folder = course_dir
    (folder / "02-vneid.md").write_text(lesson(facts="2024-01-15"), encoding="utf-8")  # YAML reads a date
    assert [str(p) for p in check([courses], quizzes)[1]] == [
        f"{folder / '02-vneid.md'}:3: facts_as_of must be a month, YYYY-MM (write 2024-01, not 2024-01-15)"]


def test_sources_must_be_a_list_of_texts(course_dir):
    courses, quizzes, folder = course_dir
    (folder / "02-vneid.md").write_text(lesson(extra="sources: Nghị định 69\n"), encoding="utf-8")
    assert any("'sources' must be list" in m for m in messages(courses, quizzes))


def test_a_picture_without_a_description_is_refused(course_dir):
    courses, quizzes, folder = course_dir
    (folder / "02-vneid.md").write_text(lesson(body="Xem hình.\n\n![](so-do.svg)\n"), encoding="utf-8")
    assert [m for m in messages(courses, quizzes) if "without a description" in m]


@pytest.mark.parametrize("svg, what", [
    ('<svg><script>alert(1)</script></svg>', "<script>"),
    ('<svg><rect onload="alert(1)"/></svg>', "event attribute"),
    ('<svg><foreignObject><p>x</p></foreignObject></svg>', "<foreignObject>"),
    ('<svg><image href="https://evil.example/x.png"/></svg>', "link to another file"),
    ('<svg><style>@import url(https://evil.example/a.css);</style></svg>', "loads another file"),
])
def test_svg_pictures_must_be_plain_drawing(course_dir, svg, what):
    courses, quizzes, folder = course_dir
    (folder / "so-do.svg").write_text(svg, encoding="utf-8")
    assert any(what in m for m in messages(courses, quizzes)), messages(courses, quizzes)


def test_internal_svg_references_are_fine(course_dir):
    courses, quizzes, folder = course_dir
    (folder / "so-do.svg").write_text('<svg><defs><marker id="m"/></defs><line marker-end="url(#m)"/>'
                                       '<use href="#m"/></svg>', encoding="utf-8")
    assert messages(courses, quizzes) == []


def test_translations_take_any_language_tag(course_dir):
    courses, quizzes, folder = course_dir
    (folder / "02-vneid.km.md").write_text(lesson("ភាសាខ្មែរ"), encoding="utf-8")
    (folder / "02-vneid.hnj.md").write_text(lesson("Hmoob"), encoding="utf-8")
    (folder / "course.tyz.md").write_text("---\ntitle: Slư Tày\n---\n", encoding="utf-8")
    (folder / "02-vneid.vi.md").write_text(lesson(), encoding="utf-8")
    sources, problems = check([courses], quizzes)
    assert [p.message for p in problems] == ["translation language 'vi' is the course's own language"]
    assert set(sources[0].lessons[1].translations) == {"km", "hnj"}
    assert "tyz" in sources[0].translations


def test_a_steps_course_refuses_tables(course_dir):
    courses, quizzes, folder = course_dir
    course_md = folder / "course.md"
    course_md.write_text(course_md.read_text(encoding="utf-8").replace("version: 1", "version: 1\nlayout: steps"), encoding="utf-8")
    (folder / "02-vneid.md").write_text(lesson(body="![Sơ đồ](so-do.svg)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"), encoding="utf-8")
    problems = check([courses], quizzes)[1]
    assert [(p.line, p.message) for p in problems] == [(7, "tables are not allowed in a course with layout: steps (use a list)")]
    course_md.write_text(course_md.read_text(encoding="utf-8").replace("layout: steps", "layout: slides"), encoding="utf-8")
    assert any("layout must be one of standard, steps" in m for m in messages(courses, quizzes))


# --- check-content: warnings -----------------------------------------------------------------

def test_warnings_for_undated_stale_future_and_unillustrated_lessons(course_dir):
    courses, quizzes, folder = course_dir
    (folder / "01-gioi-thieu.md").write_text(lesson(facts=None), encoding="utf-8")
    (folder / "02-vneid.md").write_text(lesson(facts="2025-10", body="Chỉ có chữ.\n"), encoding="utf-8")
    sources = check([courses], quizzes)[0]
    warnings = [(p.path.rsplit("/", 1)[-1], p.message) for p in course_advice(sources[0], TODAY)]
    assert warnings == [
        ("01-gioi-thieu.md", "no facts_as_of: add the month its facts were checked (facts_as_of: YYYY-MM)"),
        ("02-vneid.md", "facts checked 14 months ago (2025-10): re-check the lesson, then update facts_as_of"),
        ("02-vneid.md", "no picture: add at least one image with a description, ![...](file.svg)"),
    ]
    assert [(s.path.rsplit("/", 1)[-1], s.age_months) for s in stale_lessons(sources, TODAY)] == [("02-vneid.md", 14)]
    (folder / "02-vneid.md").write_text(lesson(facts="2027-01"), encoding="utf-8")
    sources = check([courses], quizzes)[0]
    assert any("in the future" in p.message for p in course_advice(sources[0], TODAY))


def test_a_heavy_picture_is_named_with_its_weight(course_dir):
    courses, quizzes, folder = course_dir
    (folder / "so-do.svg").write_text(SVG + "<!--" + "x" * 300_000 + "-->", encoding="utf-8")
    sources = check([courses], quizzes)[0]
    assert any("'so-do.svg' weighs 293 KB" in p.message for p in course_advice(sources[0], TODAY))


def test_missing_versions_lists_the_files_without_that_language(course_dir):
    courses, quizzes, folder = course_dir
    (folder / "02-vneid.km.md").write_text(lesson("ភាសាខ្មែរ"), encoding="utf-8")
    sources = check([courses], quizzes)[0]
    missing, have = missing_versions(sources, "km")
    assert [m.rsplit("/", 1)[-1] for m in missing] == ["course.md", "01-gioi-thieu.md"]
    assert have == 1


def test_check_content_command_prints_warnings_the_recheck_list_and_missing_versions(app, course_dir):
    courses, quizzes, folder = course_dir
    (folder / "02-vneid.md").write_text(lesson(facts="2024-05"), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["check-content", str(courses), "--quizzes", str(quizzes), "--language", "km"])
    assert result.exit_code == 0, result.output
    assert "02-vneid.md:3: warning: facts checked" in result.output  # the facts_as_of line
    assert "Bài cần kiểm tra lại (thông tin cũ hơn 12 tháng):" in result.output
    assert "0/2 bài học đã có bản km; còn thiếu (theo khoá học):" in result.output
    assert "    course.md (trang giới thiệu khoá học)\n    01-gioi-thieu.md\n    02-vneid.md\n" in result.output
    strict = runner.invoke(args=["check-content", str(courses), "--quizzes", str(quizzes), "--strict"])
    assert strict.exit_code == 1
    assert "cảnh báo" in strict.output


# --- question banks ---------------------------------------------------------------------------

def test_the_key_is_longest_only_when_strictly_longest():
    assert key_is_longest([Choice("Gọi lại số in trên thẻ ngân hàng", 1), Choice("Bấm link", 0)])
    assert not key_is_longest([Choice("Bấm link", 1), Choice("Gọi lại số in trên thẻ", 0)])
    assert not key_is_longest([Choice("Bằng nhau", 1), Choice("Bằng nhau", 0)])


def test_the_key_is_shortest_only_when_strictly_shortest():
    assert key_is_shortest([Choice("Không bấm", 1), Choice("Bấm vào để xem là gì", 0), Choice("Gửi cho bạn bè", 0)])
    assert not key_is_shortest([Choice("Không bấm, hỏi bố mẹ", 1), Choice("Bấm vào", 0)])
    assert not key_is_shortest([Choice("Bằng nhau", 1), Choice("Bằng nhau", 0)])


def bank(singles_longest: int, singles_other: int, multiples: list[int], draw="12", singles_even: int = 0) -> str:
    parts = [f"---\ntitle: B\ndraw: {draw}\n---\n"]
    for i in range(singles_longest):
        parts.append(f"## Câu dài {i}?\ntags: a\n- [x] Một đáp án dài hơn hẳn\n- [ ] Ngắn\n")
    for i in range(singles_even):
        parts.append(f"## Câu đều {i}?\ntags: b\n- [x] Hai\n- [ ] Một\n")
    for i in range(singles_other):
        parts.append(f"## Câu ngắn {i}?\ntags: b\n- [x] Ngắn\n- [ ] Một phương án sai dài hơn\n")
    for i, right in enumerate(multiples):
        options = "".join(f"- [{'x' if n < right else ' '}] Ý {n}\n" for n in range(4))
        parts.append(f"## Chọn nhiều {i}?\ntags: a\n{options}")
    return "\n".join(parts)


def test_bank_advice_names_the_guessable_patterns():
    parsed = parse_markdown_bank(bank(3, 2, [3, 3, 3], draw="4"))
    assert parsed.issues == []
    assert bank_shape(parsed).key_longest == 3
    advice = bank_advice(parsed)
    assert advice[0].startswith("the key is the longest option in 3 of 5 single-choice questions (60%, limit 40%)")
    assert advice[1] == "every multiple-answer question has 3 right options: vary the number"
    assert advice[2].startswith("draw is a single number in a bank with several tags")
    fair = parse_markdown_bank(bank(2, 2, [2, 3, 3], draw="{a: 2, b: 1}", singles_even=1))
    assert bank_advice(fair) == []
    terse = parse_markdown_bank(bank(1, 4, [2, 3], draw="{a: 2, b: 1}"))  # the key is "Ngắn" in 4 of 5
    assert bank_advice(terse) == [
        "the key is the shortest option in 4 of 5 single-choice questions (80%, limit 40%): "
        "learners guess it; give the key the detail the distractors have"]


# --- pages --------------------------------------------------------------------------------------

@pytest.fixture
def synced(app, course_dir):
    courses, quizzes, folder = course_dir
    (folder / "02-vneid.km.md").write_text(lesson("មេរៀន VNeID", body="អត្ថបទខ្មែរ\n"), encoding="utf-8")
    (folder / "01-gioi-thieu.md").write_text(lesson("Giới thiệu", facts="2024-01", extra="sources:\n  - Nghị định 69/2024/NĐ-CP\n"),
                                             encoding="utf-8")
    course_md = folder / "course.md"
    course_md.write_text(course_md.read_text(encoding="utf-8").replace(
        "version: 1", 'version: 1\ncurriculum: "Tin học 9 – Chủ đề D: Đạo đức, pháp luật và văn hoá trong môi trường số"'),
        encoding="utf-8")
    app.config.update(COURSES_DIR=str(courses), QUIZZES_DIR=str(quizzes))
    sync_content(courses, quizzes)
    db.session.commit()
    return folder


def test_the_lesson_page_shows_its_date_and_sources(client, synced):
    page = client.get("/courses/dich-vu-cong/vneid").get_data(as_text=True)
    assert "Thông tin được kiểm tra đến tháng 11/2026." in page
    assert "có thể đã thay đổi" not in page
    stale = client.get("/courses/dich-vu-cong/gioi-thieu").get_data(as_text=True)
    assert "Thông tin được kiểm tra đến tháng 01/2024. Thông tin có thể đã thay đổi" in stale
    assert "<li>Nghị định 69/2024/NĐ-CP</li>" in stale


def test_the_learner_picks_a_language_version_and_keeps_it(client, synced, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    page = client.get("/courses/dich-vu-cong/vneid").get_data(as_text=True)
    assert 'aria-current="page" lang="vi">Tiếng Việt</strong>' in page
    assert 'hreflang="km" lang="km">Tiếng Khmer</a>' in page
    assert "អត្ថបទខ្មែរ" not in page
    khmer = client.get("/courses/dich-vu-cong/vneid?doc_lang=km").get_data(as_text=True)
    assert "អត្ថបទខ្មែរ" in khmer and '<article class="lesson layout-standard" lang="km"' in khmer
    assert 'data-lang="km"' in khmer  # read aloud asks for a Khmer voice, never a Vietnamese one
    again = client.get("/courses/dich-vu-cong/vneid").get_data(as_text=True)
    assert "អត្ថបទខ្មែរ" in again
    # A lesson without that version is shown in Vietnamese, with no language menu.
    other = client.get("/courses/dich-vu-cong/gioi-thieu").get_data(as_text=True)
    assert 'lang="vi" data-layout="standard"' in other and "Đọc bằng:" not in other
    back = client.get("/courses/dich-vu-cong/vneid?doc_lang=vi").get_data(as_text=True)
    assert "អត្ថបទខ្មែរ" not in back
    assert "អត្ថបទខ្មែរ" not in client.get("/courses/dich-vu-cong/vneid?doc_lang=xx").get_data(as_text=True)


def test_the_course_page_names_its_curriculum_topic(client, synced):
    page = client.get("/courses/dich-vu-cong/").get_data(as_text=True)
    assert "Chủ đề trong chương trình:</strong> Tin học 9 – Chủ đề D" in page


def test_a_steps_course_loads_the_stepper(client, synced):
    course_md = synced / "course.md"
    course_md.write_text(course_md.read_text(encoding="utf-8").replace("version: 1", "version: 1\nlayout: steps"), encoding="utf-8")
    sync_content(synced.parent, synced.parent.parent / "quizzes")
    db.session.commit()
    page = client.get("/courses/dich-vu-cong/vneid").get_data(as_text=True)
    assert 'class="lesson layout-steps"' in page and "js/lesson-steps.js" in page
    assert 'data-label-status="Bước {n} / {total}"' in page


def test_pictures_load_lazily_and_drawings_travel_compressed(client, synced):
    page = client.get("/courses/dich-vu-cong/vneid?doc_lang=vi").get_data(as_text=True)
    assert '<img alt="Sơ đồ ba bước kích hoạt VNeID" decoding="async" loading="lazy" src="media/so-do.svg">' in page
    svg = (synced / "so-do.svg")
    svg.write_text(SVG.replace("Bước 1", "Bước 1 " + "kích hoạt tài khoản " * 60), encoding="utf-8")
    response = client.get("/courses/dich-vu-cong/media/so-do.svg", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    import gzip

    assert gzip.decompress(response.get_data()) == svg.read_bytes()
    assert len(response.get_data()) < svg.stat().st_size / 3
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    # A Range request (a player fetching part of a file) is never recompressed.
    ranged = client.get("/courses/dich-vu-cong/media/so-do.svg", headers={"Range": "bytes=0-9", "Accept-Encoding": "gzip"})
    assert ranged.status_code == 206 and ranged.get_data() == svg.read_bytes()[:10]


def test_the_teacher_guide_shows_to_teachers_and_never_to_learners(client, synced, make_user, sample_tree):
    (synced / "teacher-guide.md").write_text("---\ntitle: Hướng dẫn cho giáo viên\n---\n## Đáp án thẻ\n\nThẻ 1 là tin giả.\n",
                                             encoding="utf-8")
    sync_content(synced.parent, synced.parent.parent / "quizzes")
    db.session.commit()
    make_user("hs.an", org=sample_tree["class_a1"], kind="student")
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    assert "Thẻ 1 là tin giả." not in client.get("/courses/dich-vu-cong/").get_data(as_text=True)
    login(client, "hs.an")
    assert "Thẻ 1 là tin giả." not in client.get("/courses/dich-vu-cong/").get_data(as_text=True)
    with client.session_transaction() as session:
        session.clear()
    login(client, "gv.a1")
    page = client.get("/courses/dich-vu-cong/").get_data(as_text=True)
    assert "Hướng dẫn cho giáo viên: kế hoạch tiết học, hoạt động và đáp án" in page and "Thẻ 1 là tin giả." in page


def test_a_teacher_guide_is_checked_like_a_lesson(course_dir):
    courses, quizzes, folder = course_dir
    (folder / "teacher-guide.md").write_text("---\ntitle: Hướng dẫn\nauthor: x\n---\n![](so-do.svg)\n", encoding="utf-8")
    found = messages(courses, quizzes)
    assert any("unknown key 'author'" in m for m in found) and any("without a description" in m for m in found)
