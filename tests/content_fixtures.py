"""Course folders written into tmp_path, so tests never depend on the shipped content.

The `content_dirs` fixture is made available to every test by tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

COURSE_MD = """---
title: "Dịch vụ công trực tuyến"
summary: "Nộp hồ sơ trên Cổng Dịch vụ công quốc gia."
audience: [citizen, student]
language: vi
estimated_minutes: 20
quiz: {quiz}
pass_score: 70
certificate: true
version: 1
---
Giới thiệu khoá học.
"""

LESSON_MD = """---
title: "{title}"
minutes: 5
---
## {title}

Nội dung bài {n}. Xem [bài tiếp](02-vneid.md).

```sms
Từ: 0912xxxxxx
Tài khoản VNeID của bạn bị khoá, bấm vào link.
```
"""


def write_course(root: Path, slug="dich-vu-cong", quiz="dvc", lessons=(("01", "gioi-thieu", "Giới thiệu"), ("02", "vneid", "Tài khoản VNeID"))) -> Path:
    course = root / slug
    course.mkdir(parents=True, exist_ok=True)
    (course / "course.md").write_text(COURSE_MD.format(quiz=quiz), encoding="utf-8")
    for n, lslug, title in lessons:
        (course / f"{n}-{lslug}.md").write_text(LESSON_MD.format(title=title, n=n), encoding="utf-8")
    return course


@pytest.fixture
def content_dirs(tmp_path):
    courses = tmp_path / "courses"
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    (quizzes / "dvc.md").write_text("---\ntitle: Q\n---\n## Ứng dụng định danh điện tử?\n- [x] VNeID\n- [ ] Zalo\n", encoding="utf-8")
    write_course(courses)
    return courses, quizzes
