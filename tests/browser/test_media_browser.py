"""In a real browser: a lesson's video downloads nothing until the learner taps play, its
transcript opens, and it fits a 360-px phone (issue 19)."""

from pathlib import Path

import pytest

from lms.extensions import db
from tests.browser.conftest import screenshot
from tests.content_fixtures import write_course
from tests.courses.test_media_blocks import write_media_lesson

pytestmark = pytest.mark.browser


@pytest.fixture
def media_site(live_server, tmp_path):
    from lms.courses.sync import sync_content

    app, base = live_server
    courses, quizzes = tmp_path / "media-courses", tmp_path / "media-quizzes"
    quizzes.mkdir()
    (quizzes / "dvc.md").write_text("---\ntitle: Q\n---\n## Ứng dụng định danh điện tử?\n- [x] VNeID\n- [ ] Zalo\n",
                                    encoding="utf-8")
    write_media_lesson(write_course(courses))
    app.config.update(COURSES_DIR=str(courses), QUIZZES_DIR=str(quizzes))
    sync_content(courses, quizzes)
    db.session.commit()
    return base


def _media(url: str) -> str | None:
    """The file name of a request to the media route, else None."""
    return Path(url.split("?", 1)[0]).name if "/courses/dich-vu-cong/media/" in url else None


def test_video_waits_for_play_and_transcript_opens(browser, media_site):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(f"{media_site}/courses/dich-vu-cong/vneid", wait_until="networkidle")
        video = page.locator("figure.media-video video")
        assert video.count() == 1
        assert video.get_attribute("preload") == "none"
        assert page.evaluate("document.querySelector('figure.media-video video').preload") == "none"
        assert page.evaluate("document.querySelector('figure.media-audio audio').preload") == "none"
        track = page.evaluate("(() => { const t = document.querySelector('video track');"
                              " return [t.kind, t.srclang, t.label, t.default]; })()")
        assert track == ["captions", "vi", "Tiếng Việt", True]
        page.wait_for_timeout(500)
        # Only the poster and the few-KB captions (a default track is fetched with the page);
        # neither clip is downloaded before play.
        assert {_media(url) for url in requested} - {None} <= {"kich-hoat.svg", "kich-hoat.vtt"}, requested
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, overflow

        transcript = page.locator("figure.media-video details")
        assert not transcript.locator("p").first.is_visible()
        transcript.get_by_text("Bản chữ").click()
        assert transcript.get_attribute("open") is not None
        text = transcript.locator("p").first
        assert text.is_visible()
        # The author's "<script>" is words on the page, not an element.
        assert '"Kích hoạt tài khoản" <script>alert(1)</script>.' in text.inner_text()
        assert page.evaluate("document.querySelectorAll('.lesson-body script').length") == 0
        screenshot(page, "lesson-video-360px")

        # Play, from the keyboard (a real user gesture), starts the download with a range request.
        video.focus()
        with page.expect_response(lambda response: _media(response.url) == "kich-hoat.webm") as first:
            page.keyboard.press("Space")
        assert first.value.request.headers.get("range", "").startswith("bytes=")
        assert first.value.status == 206
        page.wait_for_function("!document.querySelector('figure.media-video video').paused")
        assert "loi-chao.ogg" not in [_media(url) for url in requested]  # the other player still waits
    finally:
        context.close()


def test_on_paper_the_transcript_stands_in_for_the_video(browser, media_site):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{media_site}/courses/dich-vu-cong/vneid")
        text = page.locator("figure.media-video details p").first
        assert not text.is_visible()
        page.emulate_media(media="print")
        assert not page.locator("figure.media-video video").is_visible()
        assert text.is_visible()  # printed though nobody opened it
    finally:
        context.close()
