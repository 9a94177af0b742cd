"""`lms check-content`: every problem reported as path:line: message, no database."""

from pathlib import Path

from lms.courses.content import check
from tests.content_fixtures import write_course


def problems_of(courses: Path, quizzes: Path) -> list[str]:
    return [str(p) for p in check([courses], quizzes)[1]]


def test_valid_course_has_no_problems(content_dirs):
    courses, quizzes = content_dirs
    sources, problems = check([courses], quizzes)
    assert problems == []
    assert [s.slug for s in sources] == ["dich-vu-cong"]
    assert [lesson.slug for lesson in sources[0].lessons] == ["gioi-thieu", "vneid"]


def test_bad_yaml_is_reported_with_its_line(content_dirs):
    courses, quizzes = content_dirs
    lesson = courses / "dich-vu-cong" / "01-gioi-thieu.md"
    lesson.write_text('---\ntitle: "ok"\nminutes: [5\n---\nbody\n', encoding="utf-8")
    problems = problems_of(courses, quizzes)
    assert len(problems) == 1
    assert problems[0].startswith(f"{lesson}:")
    assert "bad YAML" in problems[0]
    line = int(problems[0].split(":")[1])
    assert line in (3, 4)


def test_an_unclosed_quote_is_reported_where_the_value_starts(content_dirs):
    courses, quizzes = content_dirs
    lesson = courses / "dich-vu-cong" / "01-gioi-thieu.md"
    lesson.write_text('---\ntitle: "Giới thiệu\nfacts_as_of: 2026-11\nsources:\n  - Nghị định 69/2024/NĐ-CP\n---\nbody\n',
                      encoding="utf-8")
    [problem] = problems_of(courses, quizzes)
    assert problem.startswith(f"{lesson}:2: bad YAML: while scanning a quoted scalar")


def test_unknown_key_names_the_key_and_line(content_dirs):
    courses, quizzes = content_dirs
    course_md = courses / "dich-vu-cong" / "course.md"
    course_md.write_text(course_md.read_text().replace("version: 1", "version: 1\nauthor: Ai đó"), encoding="utf-8")
    problems = problems_of(courses, quizzes)
    assert problems == [f"{course_md}:11: unknown key 'author' (known keys: title, summary, audience, language, "
                        "estimated_minutes, quiz, pass_score, certificate, version, curriculum, layout)"]


def test_missing_quiz_and_bad_audience(content_dirs):
    courses, quizzes = content_dirs
    write_course(courses, slug="khac", quiz="khong-co")
    course_md = courses / "khac" / "course.md"
    course_md.write_text(course_md.read_text().replace("[citizen, student]", "[citizen, farmer]"), encoding="utf-8")
    problems = problems_of(courses, quizzes)
    assert any("missing quiz" in p and "khong-co.md" in p for p in problems)
    assert any("unknown audience 'farmer'" in p for p in problems)


def test_broken_link_and_missing_image(content_dirs):
    courses, quizzes = content_dirs
    lesson = courses / "dich-vu-cong" / "02-vneid.md"
    lesson.write_text("---\ntitle: T\n---\nXem [bài 9](09-khong-co.md).\n\n![ảnh](anh.png)\n", encoding="utf-8")
    problems = problems_of(courses, quizzes)
    assert f"{lesson}:4: broken link: no lesson file '09-khong-co.md' in this course" in problems
    assert f"{lesson}:6: image 'anh.png' does not exist beside the lesson" in problems


def test_image_beside_lesson_is_fine(content_dirs):
    courses, quizzes = content_dirs
    (courses / "dich-vu-cong" / "anh.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    lesson = courses / "dich-vu-cong" / "02-vneid.md"
    lesson.write_text("---\ntitle: T\n---\n![ảnh minh hoạ](anh.png)\n", encoding="utf-8")
    assert problems_of(courses, quizzes) == []


def test_duplicate_lesson_numbers_and_slugs(content_dirs):
    courses, quizzes = content_dirs
    d = courses / "dich-vu-cong"
    (d / "02-khac.md").write_text("---\ntitle: T\n---\nx\n", encoding="utf-8")
    (d / "03-gioi-thieu.md").write_text("---\ntitle: T\n---\nx\n", encoding="utf-8")
    problems = problems_of(courses, quizzes)
    assert any("duplicate lesson number 02" in p for p in problems)
    assert any("duplicate lesson slug 'gioi-thieu'" in p for p in problems)


def test_duplicate_course_slugs_across_folders(content_dirs, tmp_path):
    courses, quizzes = content_dirs
    other = tmp_path / "other"
    write_course(other)
    problems = [str(p) for p in check([courses, other], quizzes)[1]]
    assert any("duplicate course slug 'dich-vu-cong'" in p for p in problems)


def test_unsafe_html_is_reported_but_code_fences_are_not(content_dirs):
    courses, quizzes = content_dirs
    lesson = courses / "dich-vu-cong" / "01-gioi-thieu.md"
    lesson.write_text(
        "---\ntitle: T\n---\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n[x](javascript:alert(1))\n"
        "```\n<script>ví dụ trong khối mã</script>\n```\n",
        encoding="utf-8",
    )
    problems = problems_of(courses, quizzes)
    assert f"{lesson}:4: unsafe HTML: <script> is not allowed" in problems
    assert f"{lesson}:5: unsafe HTML: event attributes (on...=) are not allowed" in problems
    assert f"{lesson}:6: unsafe link: javascript: URLs are not allowed" in problems
    assert not any(":8:" in p for p in problems)


def test_missing_front_matter_and_bad_file_names(content_dirs):
    courses, quizzes = content_dirs
    d = courses / "dich-vu-cong"
    (d / "03-khong-front-matter.md").write_text("Chỉ có nội dung\n", encoding="utf-8")
    (d / "bai-4.md").write_text("---\ntitle: T\n---\n", encoding="utf-8")
    problems = problems_of(courses, quizzes)
    assert any("03-khong-front-matter.md:1: missing front matter" in p for p in problems)
    assert any("bai-4.md:1: lesson file names look like" in p for p in problems)


def test_non_nfc_text_is_reported(content_dirs):
    import unicodedata

    courses, quizzes = content_dirs
    lesson = courses / "dich-vu-cong" / "01-gioi-thieu.md"
    lesson.write_text("---\ntitle: T\n---\n" + unicodedata.normalize("NFD", "Dịch vụ công") + "\n", encoding="utf-8")
    assert any(":4: text is not in Unicode NFC form" in p for p in problems_of(courses, quizzes))


def test_translation_without_base_lesson(content_dirs):
    courses, quizzes = content_dirs
    d = courses / "dich-vu-cong"
    (d / "01-gioi-thieu.en.md").write_text("---\ntitle: Introduction\n---\nHello\n", encoding="utf-8")
    (d / "05-khong-co.en.md").write_text("---\ntitle: Missing\n---\nHello\n", encoding="utf-8")
    problems = problems_of(courses, quizzes)
    assert len(problems) == 1 and "translation has no matching lesson 05-khong-co.md" in problems[0]


def test_cli_prints_problems_and_exits_non_zero(app, content_dirs):
    courses, quizzes = content_dirs
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["check-content", str(courses), "--quizzes", str(quizzes)])
    assert ok.exit_code == 0, ok.output
    assert "Hợp lệ: 1 khoá học, 2 bài học." in ok.output
    (courses / "dich-vu-cong" / "02-vneid.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    bad = runner.invoke(args=["check-content", str(courses), "--quizzes", str(quizzes)])
    assert bad.exit_code == 1
    assert "02-vneid.md:" in bad.output and "bad YAML" in bad.output


def test_shipped_content_is_valid():
    root = Path(__file__).resolve().parents[2]
    sources, problems = check([root / "courses"], root / "quizzes")
    assert [str(p) for p in problems] == []


def test_cli_checks_a_bank_that_no_course_uses(app, content_dirs):
    """A contest's own bank is the quiz of no course; the pre-commit check must still read it,
    or a broken question would pass `check-content` and only be refused by `sync-content`."""
    courses, quizzes = content_dirs
    (quizzes / "hoi-thi.md").write_text("---\ntitle: Hội thi\n---\n## Câu nào đúng?\n- [ ] Một\n- [ ] Hai\n",
                                        encoding="utf-8")
    bad = app.test_cli_runner().invoke(args=["check-content", str(courses), "--quizzes", str(quizzes)])
    assert bad.exit_code == 1, bad.output
    assert "hoi-thi.md:4:" in bad.output


def test_shipped_banks_no_course_uses_are_valid():
    root = Path(__file__).resolve().parents[2]
    from lms.quizzes.services import check_bank_files

    assert check_bank_files(root / "quizzes") == []
