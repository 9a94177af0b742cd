"""Figures about the shipped content: lessons, words, pictures, questions per type, and the
share of single-choice questions whose key is the longest, or the shortest, option.

    .venv/bin/python bench/content_stats.py [COURSES_DIR] [QUIZZES_DIR]

Words are Vietnamese word tokens (syllables, "âm tiết") of lesson bodies outside front matter,
code fences and picture markup; the pictures' descriptions are counted apart.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from lms.courses.content import check
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.lint import bank_shape

ROOT = Path(__file__).resolve().parents[1]
WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
IMAGE_RE = re.compile(r"!\[((?:[^\]\\]|\\.)*)\]\([^)]*\)")


def words(text: str) -> int:
    return len(WORD_RE.findall(text))


def body_words(body: str) -> tuple[int, int, int]:
    """(words of text, pictures, words of picture descriptions) of a lesson body."""
    text, in_fence, alts = [], False, []
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        alts += IMAGE_RE.findall(line)
        text.append(IMAGE_RE.sub(" ", re.sub(r"\]\([^)]*\)", "]", line)))
    return words("\n".join(text)), len(alts), sum(words(a) for a in alts)


def main() -> None:
    courses_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "courses"
    quizzes_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "quizzes"
    courses, problems = check([courses_dir], quizzes_dir)
    if problems:
        print(f"{len(problems)} problem(s): run lms check-content")
    total_lessons = total_words = total_pictures = total_alt = 0
    print(f"{'course':48} {'lessons':>7} {'words':>6} {'pictures':>8} {'alt words':>9}  dated")
    for course in sorted(courses, key=lambda c: c.slug):
        counts = [body_words(lesson.doc.body) for lesson in course.lessons]
        w, p, a = (sum(c[i] for c in counts) for i in range(3))
        dated = sorted({str(lesson.doc.meta.get("facts_as_of")) for lesson in course.lessons})
        print(f"{course.slug:48} {len(course.lessons):7} {w:6} {p:8} {a:9}  {','.join(dated)}")
        total_lessons += len(course.lessons)
        total_words += w
        total_pictures += p
        total_alt += a
    print(f"{'total':48} {total_lessons:7} {total_words:6} {total_pictures:8} {total_alt:9}")
    print()
    types: Counter = Counter()
    singles = longest = shortest = 0
    print(f"{'bank':40} {'questions':>9}  {'key longest':>11}  {'key shortest':>12}  types")
    for bank_file in sorted(quizzes_dir.glob("*.md")):
        shape = bank_shape(parse_markdown_bank(bank_file.read_text(encoding="utf-8")))
        n = sum(shape.by_type.values())
        types.update(shape.by_type)
        singles += shape.singles
        longest += shape.key_longest
        shortest += shape.key_shortest
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(shape.by_type.items()))
        print(f"{bank_file.stem:40} {n:9}  {shape.key_longest:4}/{shape.singles:<3} {shape.key_longest_share:4.0%}"
              f"  {shape.key_shortest:5}/{shape.singles:<3} {shape.key_shortest_share:4.0%}  {kinds}")
    def share(count: int) -> float:
        return count / singles if singles else 0.0
    print(f"{'total':40} {sum(types.values()):9}  {longest:4}/{singles:<3} {share(longest):4.0%}"
          f"  {shortest:5}/{singles:<3} {share(shortest):4.0%}  " + ", ".join(f"{k} {v}" for k, v in sorted(types.items())))

if __name__ == "__main__":
    main()
