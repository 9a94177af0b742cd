"""The daily digest sent to a real SMTP server (aiosmtpd on loopback): one mail per person, in
their language, with the one link that matters; nothing twice; nothing lost when SMTP fails."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.notifications import services
from lms.notifications.models import Notification
from tests.notifications.conftest import NOW, YESTERDAY, assign, contest_with_round, register
from tests.support.smtp import smtp_server  # noqa: F401  (fixture)


def unmailed(user):
    return list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id,
                                                                   Notification.emailed_at.is_(None))))


def bodies(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


@pytest.fixture
def yesterdays_notices(world):
    """An assignment due soon for class A1 and a contest round open for An and Bình, noticed
    yesterday; An switched the contest's email off."""
    assign(world, world.tree["class_a1"], due_on=(NOW + timedelta(days=2)).date(), created_at=NOW - timedelta(days=4))
    contest, _ = contest_with_round(YESTERDAY - timedelta(hours=1), NOW + timedelta(days=3))
    for person in (world.an, world.binh):
        register(contest, person, NOW - timedelta(days=5))
    services.save_settings(world.an.id, {("round_open", "email"): False})
    services.scan(NOW - timedelta(days=3))  # "new assignment"
    services.scan(YESTERDAY)  # "due soon", "round open"
    db.session.commit()
    return world


def test_one_digest_per_person_in_their_language_then_nothing_twice(app, yesterdays_notices, smtp_server):  # noqa: F811
    world = yesterdays_notices
    smtp_server.configure(app)
    report = services.send_digest(NOW, commit=db.session.commit)
    assert (report.mails, report.notices_mailed, report.error) == (2, 5, None)
    assert sorted(smtp_server.addresses()) == ["an@example.vn", "binh@example.vn"]  # Chi has no address
    by_rcpt = {m["To"]: m for m in smtp_server.messages}

    an = by_rcpt["an@example.vn"]
    assert an["Subject"] == "Học dịch vụ công trực tuyến: bạn có 2 thông báo mới"
    assert an["From"] == "hoc@dichvucong.test"  # MAIL_FROM as tests.support.smtp configures it
    text, html = bodies(an)
    assert text.startswith("Xin chào Nguyễn Văn An,")
    assert "Bạn được giao khoá học “Dịch vụ công trực tuyến”, hạn hoàn thành ngày 14/05/2026." in text
    assert "Khoá học “Dịch vụ công trực tuyến” đến hạn ngày 14/05/2026 mà bạn chưa hoàn thành." in text
    assert "Mở khoá học: https://hoc.example.vn/courses/dich-vu-cong/" in text
    assert "Tắt từng loại thông báo: https://hoc.example.vn/notifications/settings" in text
    assert "Hội thi" not in text and "Hội thi" not in html  # switched off by email
    assert '<a href="https://hoc.example.vn/courses/dich-vu-cong/" style="color:#0b4f9c">Mở khoá học</a>' in html
    assert '<html lang="vi">' in html and "<style" not in html and "<script" not in html and "<img" not in html

    binh = by_rcpt["binh@example.vn"]
    assert binh["Subject"] == "Digital public services learning: you have 3 new notices"
    text, _ = bodies(binh)
    assert "“Vòng 1” of “Hội thi tuyên truyền viên giỏi” is open until 10:00 on 15/05/2026." in text
    assert "Go to the contest: https://hoc.example.vn/contests/hoi-thi/" in text

    # Everything was handled: what went out, what An switched off, Chi's (no address).
    assert unmailed(world.an) == unmailed(world.binh) == unmailed(world.chi) == []
    smtp_server.clear()
    again = services.send_digest(NOW + timedelta(hours=1), commit=db.session.commit)
    assert (again.mails, smtp_server.messages) == (0, [])


def test_a_notice_of_today_waits_for_tomorrows_digest(app, world, smtp_server):  # noqa: F811
    smtp_server.configure(app)
    assign(world, world.tree["class_a1"], created_at=NOW - timedelta(hours=3))
    services.scan(NOW - timedelta(hours=2))  # 08:00 in Vietnam, the same day as the run
    db.session.commit()
    report = services.send_digest(NOW, commit=db.session.commit)
    assert (report.mails, report.later) == (0, 3) and smtp_server.messages == []
    assert services.send_digest(NOW + timedelta(days=1), commit=db.session.commit).mails == 2


def test_smtp_down_marks_nothing_sent_and_the_next_run_sends_it(app, world, smtp_server):  # noqa: F811
    smtp_server.configure(app)
    assign(world, world.tree["class_a1"], created_at=utcnow() - timedelta(days=2))
    services.scan(utcnow() - timedelta(days=1))
    db.session.commit()
    smtp_server.stop()
    runner = app.test_cli_runner()
    failed = runner.invoke(args=["notifications", "send-digest"])
    assert failed.exit_code == 1
    assert "Máy chủ thư gặp lỗi: 2 thư chưa gửi được, sẽ gửi lại ở lần chạy sau." in failed.stderr
    db.session.expire_all()
    assert unmailed(world.an) == unmailed(world.binh) == ["assignment_new"]
    smtp_server.start()
    ok = runner.invoke(args=["notifications", "send-digest"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("Đã gửi 2 thư, gồm 2 thông báo.")
    assert sorted(smtp_server.addresses()) == ["an@example.vn", "binh@example.vn"]
    db.session.expire_all()
    assert unmailed(world.an) == unmailed(world.binh) == []


def test_a_refused_address_does_not_hold_back_the_others(app, world, smtp_server):  # noqa: F811
    smtp_server.configure(app)
    smtp_server.refuse.add("an@example.vn")
    assign(world, world.tree["class_a1"])
    services.scan(YESTERDAY)
    db.session.commit()
    report = services.send_digest(NOW, commit=db.session.commit)
    assert (report.mails, report.failed) == (1, 1) and "550" in report.error
    assert smtp_server.addresses() == ["binh@example.vn"]
    assert unmailed(world.an) == ["assignment_new"] and unmailed(world.binh) == []


def test_with_email_off_the_digest_does_nothing(app, world):
    assign(world, world.tree["class_a1"])
    services.scan(YESTERDAY)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["notifications", "send-digest"])
    assert result.exit_code == 0 and "Email đang tắt" in result.output
    assert unmailed(world.an) == ["assignment_new"]


def test_the_scan_command_prints_counts(app, world):
    assign(world, world.tree["class_a1"], created_at=utcnow() - timedelta(hours=1))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notifications", "run"])
    assert first.exit_code == 0 and first.output.splitlines() == ["Đã tạo 3 thông báo.", "  Khoá học mới được giao: 3"]
    assert runner.invoke(args=["notifications", "run"]).output.strip() == "Đã tạo 0 thông báo."
