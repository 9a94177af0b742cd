"""A live server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lms.extensions import db
from tests.conftest import make_test_app, truncate_all

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium; `make test` does it as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(_template, tmp_path):
    """The app served by a real HTTP server in a thread, on a fresh database."""
    app = make_test_app(_template, tmp_path, SERVER_NAME=None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ctx = app.app_context()
    ctx.push()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        db.session.remove()
        ctx.pop()
        server.shutdown()
        if _template is None:
            truncate_all(app)


@pytest.fixture
def shipped_site(live_server):
    """The live server with the shipped courses and banks, and one learner (hs.doc)."""
    from lms.auth.services import NewUser, create_user
    from lms.courses.sync import sync_content
    from lms.quizzes.services import sync_bank_files

    app, base = live_server
    root = Path(__file__).resolve().parents[2]
    app.config.update(COURSES_DIR=str(root / "courses"), QUIZZES_DIR=str(root / "quizzes"))
    sync_bank_files(root / "quizzes")
    sync_content(root / "courses", root / "quizzes")
    create_user(NewUser(username="hs.doc", full_name="Trần Minh Khôi", password="mat khau de doc"))
    db.session.commit()
    return base


def sign_in(page, base, username="hs.doc", password="mat khau de doc"):
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
