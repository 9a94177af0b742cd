"""Password reset by email (issue 18), against a real SMTP server (aiosmtpd on 127.0.0.1): the
link arrives, works once, expires, and nobody learns from the page, its timing or its rate
limit whether an account or address exists."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth import reset
from lms.auth.models import User
from lms.extensions import db
from tests.conftest import PASSWORD, csrf_token, login, post_form
from tests.support.smtp import smtp_server  # noqa: F401  (the fixture)

NEW_PASSWORD = "hoa phuong no tren san truong"
LINK_RE = re.compile(r"https?://\S+/reset-password/[A-Za-z0-9_.\-]+")


@pytest.fixture
def mail(app, smtp_server):  # noqa: F811
    smtp_server.configure(app)
    app.config["PUBLIC_BASE_URL"] = "https://hoc.dichvucong.test"
    return smtp_server


@pytest.fixture
def hoa(make_user, sample_tree):
    return make_user("hs.hoa", org=sample_tree["class_a1"], full_name="Nguyễn Thị Hoà", kind="student",
                     email="Hoa.Nguyen@example.vn")


def _ask(client, identifier):
    return post_form(client, "/forgot-password", {"identifier": identifier}, page="/forgot-password")


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" (?:type="hidden" )?value="[^"]+"', "", html)


def _link_of(message) -> str:
    links = set(LINK_RE.findall(message.get_body(preferencelist=("plain",)).get_content()))
    assert len(links) == 1, links
    return links.pop()


def _path(link: str) -> str:
    return link.split("https://hoc.dichvucong.test", 1)[1]


def _client_at(app, address):
    """A browser on another machine (the rate limit counts per client address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _reset(client, path, password=NEW_PASSWORD):
    return post_form(client, path, {"password": password, "confirm": password}, page=path)


def test_fingerprint_changes_with_every_credential():
    base = reset.fingerprint("k", 7, "scrypt$a", "tok", "a@b.vn")
    assert base == reset.fingerprint("k", 7, "scrypt$a", "tok", "A@B.vn")  # addresses ignore case
    for changed in (reset.fingerprint("k", 8, "scrypt$a", "tok", "a@b.vn"),
                    reset.fingerprint("k", 7, "scrypt$b", "tok", "a@b.vn"),
                    reset.fingerprint("k", 7, "scrypt$a", "tok2", "a@b.vn"),
                    reset.fingerprint("k", 7, "scrypt$a", "tok", "c@b.vn"),
                    reset.fingerprint("other key", 7, "scrypt$a", "tok", "a@b.vn")):
        assert changed != base


def test_the_link_arrives_resets_once_and_signs_in(app, client, mail, hoa):
    phone = app.test_client()
    login(phone, "hs.hoa")  # a session open elsewhere, to be ended by the reset

    assert 'href="/forgot-password"' in client.get("/login").get_data(as_text=True)
    sent = _ask(client, "hoa.nguyen@EXAMPLE.vn")
    assert sent.status_code == 200 and "Hãy kiểm tra email" in sent.get_data(as_text=True)

    message = mail.wait_for(1)[0]
    assert mail.recipients[0] == ["Hoa.Nguyen@example.vn"] and message["To"] == "Hoa.Nguyen@example.vn"
    assert message["Subject"] == "Đặt mật khẩu mới cho hoc.dichvucong.test"
    text, html = mail.text_of(message), mail.html_of(message)
    assert "Xin chào Nguyễn Thị Hoà," in text and "hs.hoa" in text and "60 phút" in text
    link = _link_of(message)
    assert link.startswith("https://hoc.dichvucong.test/reset-password/")
    assert f'href="{link}"' in html and "<script" not in html and "<img" not in html

    page = client.get(_path(link))
    assert page.status_code == 200 and "Chọn mật khẩu mới" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    assert client.get(_path(link)).status_code == 200  # opening it (a mail scanner) spends nothing

    done = _reset(client, _path(link))
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert phone.get("/profile").status_code == 302  # the other session ended
    login(app.test_client(), "hs.hoa", NEW_PASSWORD)
    refused = post_form(app.test_client(), "/login", {"username": "hs.hoa", "password": PASSWORD})
    assert refused.status_code == 200

    again = client.get(_path(link))
    assert again.status_code == 410 and "Liên kết này không còn dùng được" in again.get_data(as_text=True)
    assert _reset(client, _path(link), "mot mat khau khac han nua").status_code == 410
    login(app.test_client(), "hs.hoa", NEW_PASSWORD)

    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == hoa.id)).all()
    assert "auth.password_reset_request" in actions and "auth.password_reset" in actions


def test_an_expired_link_is_refused(app, client, mail, hoa):
    app.config["PASSWORD_RESET_MAX_AGE"] = 1
    _ask(client, "hs.hoa")
    path = _path(_link_of(mail.wait_for(1)[0]))
    time.sleep(2.2)  # the token's date is in whole seconds
    assert client.get(path).status_code == 410
    assert _reset(client, path).status_code == 410
    login(app.test_client(), "hs.hoa", PASSWORD)


def test_a_forged_or_altered_link_is_refused(client, mail, hoa):
    _ask(client, "hs.hoa")
    path = _path(_link_of(mail.wait_for(1)[0]))
    token = path.rsplit("/", 1)[1]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/reset-password/{altered}").status_code == 410
    assert client.get("/reset-password/not-a-token").status_code == 410


def test_the_link_dies_when_the_email_changes_or_sessions_end(app, client, mail, hoa):
    _ask(client, "hs.hoa")
    path = _path(_link_of(mail.wait_for(1)[0]))
    user = db.session.get(User, hoa.id)
    user.email = "moi@example.vn"
    db.session.commit()
    assert client.get(path).status_code == 410

    _ask(client, "moi@example.vn")
    path = _path(_link_of(mail.wait_for(2)[1]))
    phone = app.test_client()
    login(phone, "hs.hoa")
    post_form(phone, "/profile/sign-out-everywhere", {}, page="/profile")
    assert client.get(path).status_code == 410


def test_a_weak_password_is_refused_and_the_link_still_works(client, mail, hoa):
    _ask(client, "hs.hoa")
    path = _path(_link_of(mail.wait_for(1)[0]))
    weak = _reset(client, path, "12345678")
    assert weak.status_code == 200 and 'aria-invalid="true"' in weak.get_data(as_text=True)
    assert _reset(client, path).status_code == 302


def test_unknown_accounts_get_the_same_page_and_no_mail(client, mail, hoa, make_user, sample_tree):
    make_user("hs.khong.email", org=sample_tree["class_a1"])  # exists, but gave no address
    known = _without_tokens(_ask(client, "hs.hoa").get_data(as_text=True))
    mail.wait_for(1)
    for identifier in ("khong.ai@example.vn", "khong.co.ai", "hs.khong.email"):
        response = _ask(client, identifier)
        assert response.status_code == 200
        assert _without_tokens(response.get_data(as_text=True)) == known, identifier
    # A later request for a real account arrives; nothing else did in between.
    _ask(client, "Hoa.Nguyen@example.vn")
    mail.wait_for(2)
    time.sleep(0.3)
    assert len(mail.messages) == 2 and all(m["To"] == "Hoa.Nguyen@example.vn" for m in mail.messages)


def test_the_answer_does_not_wait_for_the_mail(client, mail, hoa):
    mail.delay = 1.5  # a slow mail server: a page that waited for it would show who exists
    timings = {}
    for identifier in ("hs.hoa", "khong.co.ai"):
        start = time.monotonic()
        assert _ask(client, identifier).status_code == 200
        timings[identifier] = time.monotonic() - start
    assert max(timings.values()) < 1.0, timings
    assert mail.wait_for(1, timeout=10)[0]["To"] == "Hoa.Nguyen@example.vn"


def test_requests_are_rate_limited_per_address_and_per_name(app, client, mail, hoa):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert _ask(client, "khong.co.ai").status_code == 200
    assert _ask(client, "khong.co.ai").status_code == 429  # unknown names are limited alike

    other = _client_at(app, "10.0.0.2")
    assert _ask(other, "hs.hoa").status_code == 200
    assert _ask(other, "HS.HOA").status_code == 200
    assert _ask(other, "khac.nua").status_code == 429  # the address's own limit


def test_one_account_gets_few_mails_whoever_asks(app, mail, hoa):
    app.config["PASSWORD_RESET_MAIL_LIMIT"] = "1 per hour"
    pages = set()
    for n, identifier in enumerate(("hs.hoa", "hoa.nguyen@example.vn", "hs.hoa")):
        client = _client_at(app, f"10.0.1.{n}")
        pages.add(_without_tokens(_ask(client, identifier).get_data(as_text=True)))
    assert len(pages) == 1
    mail.wait_for(1)
    time.sleep(0.5)
    assert len(mail.messages) == 1


def test_an_address_shared_by_two_accounts_gets_a_link_for_each(app, client, mail, hoa, make_user, sample_tree):
    make_user("hs.em", org=sample_tree["class_a1"], full_name="Nguyễn Văn Em", email="hoa.nguyen@example.vn")
    _ask(client, "hoa.nguyen@example.vn")
    messages = mail.wait_for(2)
    assert {m.get_body(preferencelist=("plain",)).get_content().split("\n")[0] for m in messages} == {
        "Xin chào Nguyễn Thị Hoà,", "Xin chào Nguyễn Văn Em,"}
    assert len({_link_of(m) for m in messages}) == 2


def test_an_account_without_a_password_yet_can_set_one(app, client, mail, make_user, sample_tree):
    make_user("hs.moi", org=sample_tree["class_a1"], password=None, email="moi@example.vn")
    _ask(client, "moi@example.vn")
    assert _reset(client, _path(_link_of(mail.wait_for(1)[0]))).status_code == 302
    login(app.test_client(), "hs.moi", NEW_PASSWORD)


def test_without_a_mail_server_the_page_sends_people_to_their_teacher(client, hoa):
    login_page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' not in login_page
    assert "Quên mật khẩu? Hãy nhờ giáo viên" in login_page
    page = client.get("/forgot-password").get_data(as_text=True)
    assert "Trang này không gửi email" in page and 'name="identifier"' not in page
    token = csrf_token(client, "/login")
    answer = client.post("/forgot-password", data={"csrf_token": token, "identifier": "hs.hoa"})
    assert "Trang này không gửi email" in answer.get_data(as_text=True)


def test_the_letter_speaks_the_person_s_language(client, mail, hoa):
    user = db.session.get(User, hoa.id)
    user.locale = "en"
    db.session.commit()
    _ask(client, "hs.hoa")  # asked from a Vietnamese page
    message = mail.wait_for(1)[0]
    assert message["Subject"] == "Set a new password for hoc.dichvucong.test"
    assert mail.text_of(message).startswith("Hello Nguyễn Thị Hoà,")
