"""```video and ```audio blocks (issue 19): checked with line numbers, rendered as a player that
downloads nothing before play, with captions and a transcript, served with ranges.

tests/courses/files holds a 2-second WebM (VP8 + Opus, 96x64) and a 1-second Ogg Opus clip, made
once with ffmpeg (lavfi colour and sine sources), so the tests need no ffmpeg.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.courses.content import check
from lms.courses.models import Lesson
from lms.courses.render import render_markdown
from lms.courses.sync import sync_content
from lms.extensions import db

FILES = Path(__file__).resolve().parent / "files"
POSTER_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64" viewBox="0 0 96 64">'
              '<rect width="96" height="64" fill="#1e6fd9"/></svg>\n')
CAPTIONS_VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nMở ứng dụng VNeID, chọn “Kích hoạt tài khoản”.\n"
MEDIA_LESSON = """---
title: "Xem cách kích hoạt"
---
## Kích hoạt VNeID

Xem đoạn video ngắn dưới đây.

```video
file: kich-hoat.webm
captions: kich-hoat.vtt
poster: kich-hoat.svg
title: Kích hoạt VNeID (2 giây)

Mở ứng dụng VNeID, chọn "Kích hoạt tài khoản" <script>alert(1)</script>.
Nhập số định danh cá nhân & số điện thoại.

Nhập mã OTP vừa nhận.
```

```audio
file: loi-chao.ogg
title: Lời chào

Chào bác, bác cần làm thủ tục gì ạ?
```
"""
MEDIA_LESSON_EN = """---
title: "Watch how to activate"
---
```video
file: kich-hoat.webm
captions: kich-hoat.en.vtt

Open the VNeID app and choose "Activate account".
```
"""


def write_media_lesson(course: Path) -> Path:
    """Lesson 02 of a course folder becomes a lesson with a video and an audio block."""
    shutil.copy(FILES / "kich-hoat.webm", course / "kich-hoat.webm")
    shutil.copy(FILES / "loi-chao.ogg", course / "loi-chao.ogg")
    (course / "kich-hoat.svg").write_text(POSTER_SVG, encoding="utf-8")
    (course / "kich-hoat.vtt").write_text(CAPTIONS_VTT, encoding="utf-8")
    (course / "kich-hoat.en.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nOpen VNeID.\n", encoding="utf-8")
    lesson = course / "02-vneid.md"
    lesson.write_text(MEDIA_LESSON, encoding="utf-8")
    (course / "02-vneid.en.md").write_text(MEDIA_LESSON_EN, encoding="utf-8")
    return lesson


def problems_of(content_dirs) -> list[str]:
    courses, quizzes = content_dirs
    return [str(p) for p in check([courses], quizzes)[1]]


@pytest.fixture
def media_course(content_dirs):
    courses, _ = content_dirs
    course = courses / "dich-vu-cong"
    return course, write_media_lesson(course)


# --- check-content ---------------------------------------------------------------------------


def test_a_lesson_with_video_and_audio_is_valid(content_dirs, media_course):
    # The script tag in the transcript is text inside the block, not raw HTML: not refused.
    assert problems_of(content_dirs) == []


def test_every_problem_is_reported_on_its_line(content_dirs, media_course):
    course, lesson = media_course
    (course / "sai.vtt").write_text("Xin chào\n", encoding="utf-8")
    lesson.write_text(
        "---\ntitle: T\n---\n"              # 1-3
        "```video\n"                        # 4
        "file: clip.avi\n"                  # 5
        "captions: phu-de.srt\n"            # 6
        "poster: anh.pdf\n"                 # 7
        "autoplay: yes\n"                   # 8
        "\nLời.\n```\n\n"                   # 9-12
        "```video\n"                        # 13
        "file: khong-co.webm\n"             # 14
        "title: Thiếu phụ đề\n"             # 15
        "```\n\n"                           # 16-17
        "```audio\n"                        # 18
        "file: thu-muc/a.mp3\n"             # 19
        "poster: kich-hoat.svg\n"           # 20
        "captions: sai.vtt\n"               # 21
        "file: loi-chao.ogg\n"              # 22
        "Lời nói ngay sau khoá\n"           # 23
        "\nLời.\n```\n",                    # 24-26
        encoding="utf-8")
    p = str(lesson)
    assert sorted(problems_of(content_dirs), key=lambda s: int(s.split(":")[1])) == [
        f"{p}:5: file 'clip.avi' must end in .mp4, .webm",
        f"{p}:6: captions 'phu-de.srt' must end in .vtt",
        f"{p}:7: poster 'anh.pdf' must end in .gif, .jpeg, .jpg, .png, .svg, .webp",
        f"{p}:8: unknown key 'autoplay' in a video block (known keys: file, captions, poster, title)",
        f"{p}:13: video block without 'captions:' (a WebVTT file of what is said)",
        f"{p}:14: file 'khong-co.webm' does not exist beside the lesson",
        f"{p}:16: video block without a transcript: after the keys, a blank line, then the words as text "
        "(the text alternative for learners who cannot play it)",
        f"{p}:19: 'file: thu-muc/a.mp3' must name a file beside the lesson (no '/', not starting with '.')",
        f"{p}:20: unknown key 'poster' in an audio block (known keys: file, captions, title)",
        f"{p}:21: captions 'sai.vtt' must start with the line WEBVTT (a WebVTT file)",
        f"{p}:22: 'file' is given twice in this audio block",
        f"{p}:23: audio block: expected 'key: value' here; after the keys leave one blank line, then write the transcript",
    ]


def test_missing_file_and_hidden_or_parent_names(content_dirs, media_course):
    course, lesson = media_course
    lesson.write_text("---\ntitle: T\n---\n```audio\ntitle: Không có tệp\n\nLời.\n```\n\n"
                      "```audio\nfile: .an.ogg\n\nLời.\n```\n\n```video\nfile: ..\\khac.webm\ncaptions: kich-hoat.vtt\n\nLời.\n```\n",
                      encoding="utf-8")
    p = str(lesson)
    assert problems_of(content_dirs) == [
        f"{p}:4: audio block without 'file:' (the video or audio file)",
        f"{p}:11: 'file: .an.ogg' must name a file beside the lesson (no '/', not starting with '.')",
        f"{p}:17: 'file: ..\\khac.webm' must name a file beside the lesson (no '/', not starting with '.')",
    ]


def test_captions_must_be_utf8_webvtt(content_dirs, media_course):
    course, _ = media_course
    legacy = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nM\xe1 \xf1ng d\xf2ng\n"  # a one-byte Vietnamese code page
    (course / "kich-hoat.vtt").write_bytes(legacy)
    at = legacy.index(b"\xe1")
    assert [p.split(": ", 1)[1] for p in problems_of(content_dirs)] == [
        f"captions 'kich-hoat.vtt' are not UTF-8 (invalid continuation byte at byte {at})"]
    (course / "kich-hoat.vtt").write_text("\ufeffWEBVTT - Kích hoạt\n\n", encoding="utf-8")
    assert problems_of(content_dirs) == []
    (course / "kich-hoat.vtt").write_text("WEBVTTX\n", encoding="utf-8")
    assert len(problems_of(content_dirs)) == 1


def test_a_media_file_over_20_mb_is_refused(content_dirs, media_course):
    course, lesson = media_course
    with open(course / "kich-hoat.webm", "r+b") as clip:
        clip.truncate(20 * 1024 * 1024 + 1)  # sparse: no 20 MB written to the disk
    message = "video file 'kich-hoat.webm' is 20.0 MB: keep it under 20 MB: learners are on slow networks"
    assert problems_of(content_dirs) == [f"{lesson}:9: {message}", f"{lesson.with_suffix('.en.md')}:5: {message}"]


# --- rendering -------------------------------------------------------------------------------


def test_sync_renders_a_player_that_waits_for_play(app, content_dirs, media_course):
    courses, quizzes = content_dirs
    sync_content(courses, quizzes)
    db.session.commit()
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "vneid"))
    html = lesson.html
    assert '<figure class="media media-video"><figcaption>Kích hoạt VNeID (2 giây)</figcaption>' in html
    assert ('<video controls="" preload="none" playsinline="" poster="media/kich-hoat.svg">'
            '<source src="media/kich-hoat.webm" type="video/webm">'
            '<track kind="captions" srclang="vi" label="Tiếng Việt" src="media/kich-hoat.vtt" default="">'
            '<a href="media/kich-hoat.webm" rel="noopener noreferrer">Tải video về máy</a></video>') in html
    assert ('<details class="media-transcript"><summary>Bản chữ</summary><p>Mở ứng dụng VNeID, chọn '
            '"Kích hoạt tài khoản" &lt;script&gt;alert(1)&lt;/script&gt;.<br>Nhập số định danh cá nhân &amp; '
            'số điện thoại.</p><p>Nhập mã OTP vừa nhận.</p></details></figure>') in html
    assert ('<figure class="media media-audio"><figcaption>Lời chào</figcaption><audio controls="" preload="none">'
            '<source src="media/loi-chao.ogg" type="audio/ogg">') in html
    assert "<track" not in html.split("<audio", 1)[1]  # captions are optional for audio
    assert "<script" not in html
    english = lesson.translations["en"]["html"]
    assert '<track kind="captions" srclang="en" label="English" src="media/kich-hoat.en.vtt" default="">' in english
    assert "<summary>Transcript</summary>" in english and "Download the video" in english


def test_a_translation_in_another_language_labels_its_captions_by_tag():
    html = render_markdown("```video\nfile: a.webm\ncaptions: a.km.vtt\n\nអត្ថបទ\n```\n", language="km")
    assert '<track kind="captions" srclang="km" label="km" src="a.km.vtt" default="">' in html


@pytest.mark.parametrize("source", [
    '<video autoplay loop muted preload="auto" src="https://evil.example/x.webm" onplay="alert(1)"></video>',
    '<audio preload="metadata" autoplay><source src="javascript:alert(1)"></audio>',
    '<video poster="javascript:alert(1)" class="button"><track src="javascript:alert(1)" default></video>',
    "<details open ontoggle=alert(1)><summary onclick=alert(1)>x</summary></details>",
])
def test_author_html_players_never_preload_or_autoplay(source):
    html = render_markdown(source)
    for needle in ("autoplay", "loop", "muted", "auto\"", "metadata", "javascript:", "onplay", "ontoggle",
                   "onclick", "class=", " open", "evil.example"):
        assert needle not in html, (needle, html)
    if "preload" in source:
        assert 'preload="none"' in html


def test_a_broken_block_still_renders_safely():
    html = render_markdown("```video\nfile: javascript:alert(1)\nposter: ../x.svg\ncaptions: a/b.vtt\n\n"
                           "<img src=x onerror=alert(1)>\n```\n", rewrite_url=lambda u: "media/" + u)
    assert "<video" not in html and "javascript" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


# --- the media route -------------------------------------------------------------------------


@pytest.fixture
def served(app, content_dirs, media_course):
    courses, quizzes = content_dirs
    course, _ = media_course
    (course / "bai-hat.mp3").write_bytes(b"ID3" + bytes(200))
    (course / "bai-hat.m4a").write_bytes(bytes(200))
    (course / "bai-hat.opus").write_bytes((FILES / "loi-chao.ogg").read_bytes())
    (course / "ghi-chu.txt").write_text("x", encoding="utf-8")
    (course / ".an.webm").write_bytes((FILES / "kich-hoat.webm").read_bytes())
    (course / "con").mkdir()
    (course / "con" / "b.webm").write_bytes((FILES / "kich-hoat.webm").read_bytes())
    app.config.update(COURSES_DIR=str(courses), QUIZZES_DIR=str(quizzes))
    sync_content(courses, quizzes)
    db.session.commit()
    return course


@pytest.mark.parametrize("name, content_type", [
    ("kich-hoat.webm", "video/webm"),
    ("kich-hoat.vtt", "text/vtt; charset=utf-8"),
    ("loi-chao.ogg", "audio/ogg"),
    ("bai-hat.opus", "audio/ogg"),
    ("bai-hat.mp3", "audio/mpeg"),
    ("bai-hat.m4a", "audio/mp4"),
    ("kich-hoat.svg", "image/svg+xml; charset=utf-8"),
])
def test_media_files_are_served_with_their_type(client, served, name, content_type):
    response = client.get(f"/courses/dich-vu-cong/media/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.data == (served / name).read_bytes()
    if name.endswith(".svg"):
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"


def test_a_range_request_gets_206_with_those_bytes(client, served):
    whole = (served / "kich-hoat.webm").read_bytes()
    response = client.get("/courses/dich-vu-cong/media/kich-hoat.webm", headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 0-99/{len(whole)}"
    assert response.headers["Content-Type"] == "video/webm"
    assert response.data == whole[:100]
    tail = client.get("/courses/dich-vu-cong/media/kich-hoat.webm", headers={"Range": "bytes=4000-"})
    assert tail.status_code == 206 and tail.data == whole[4000:]
    assert client.get("/courses/dich-vu-cong/media/kich-hoat.webm").headers["Accept-Ranges"] == "bytes"
    beyond = client.get("/courses/dich-vu-cong/media/kich-hoat.webm", headers={"Range": f"bytes={len(whole) + 10}-"})
    assert beyond.status_code == 416


@pytest.mark.parametrize("path", [
    "ghi-chu.txt", "02-vneid.md", ".an.webm", "con/b.webm", "con%2Fb.webm", "..%2Fcourse.md",
    "../dich-vu-cong/kich-hoat.webm", "khong-co.webm", "kich-hoat.webm.md", "kich-hoat.webm%20",
])
def test_anything_else_is_404(client, served, path):
    assert client.get(f"/courses/dich-vu-cong/media/{path}").status_code == 404


def test_a_nul_byte_in_the_name_is_refused(client, served):
    assert client.get("/courses/dich-vu-cong/media/kich-hoat.webm%00.png").status_code == 400
