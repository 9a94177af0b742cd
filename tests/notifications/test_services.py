"""The scan, reading and settings on a real (SQLite) database."""

from datetime import timedelta

from sqlalchemy import func, select

from lms.extensions import db
from lms.notifications import services
from lms.notifications.models import Notification, NotificationSetting
from lms.notifications.rules import Notice
from lms.privacy.services import execute_deletion, export_personal_data
from tests.notifications.conftest import (
    NOW,
    YESTERDAY,
    assign,
    complete,
    contest_with_round,
    hand_in,
    register,
)


def notices_of(user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def keys_of(user):
    return [n.dedupe_key for n in notices_of(user)]


def test_a_new_assignment_reaches_the_class_once_and_not_the_other_class(world):
    assignment = assign(world, world.tree["class_a1"], due_on=(NOW + timedelta(days=20)).date())
    complete(world.chi, world.course)
    report = services.scan(NOW)
    db.session.commit()
    assert report.created == {"assignment_new": 2}
    [notice] = notices_of(world.an)
    assert notice.kind == "assignment_new" and notice.link == "/courses/dich-vu-cong/"
    assert notice.params["course"] == "Dịch vụ công trực tuyến" and notice.params["due_on"] == "2026-06-01"
    assert notice.dedupe_key == f"assignment_new:{assignment.id}" and notice.created_at == NOW
    assert notices_of(world.chi) == [] and notices_of(world.khac) == []
    # Every 15 minutes, and a second server: nothing more.
    assert services.scan(NOW + timedelta(minutes=15)).total == 0
    assert services.scan(NOW + timedelta(minutes=15)).total == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2


def test_an_assignment_to_the_school_reaches_its_classes(world, make_user):
    assign(world, world.tree["school_a"])
    services.scan(NOW)
    assert keys_of(world.an) and keys_of(world.binh) and not keys_of(world.khac)


def test_due_soon_then_overdue_as_days_pass_until_completed(world):
    assignment = assign(world, world.tree["class_a1"], due_on=(NOW + timedelta(days=5)).date(),
                        created_at=NOW - timedelta(days=10))
    assert services.scan(NOW).total == 0
    due = f"due_soon:{assignment.id}:2026-05-17"
    assert services.scan(NOW + timedelta(days=2)).created == {"due_soon": 3}
    assert keys_of(world.an) == [due]
    complete(world.binh, world.course)
    assert services.scan(NOW + timedelta(days=6)).created == {"overdue": 2}
    assert keys_of(world.an) == [due, f"overdue:{assignment.id}:2026-05-17"]
    assert keys_of(world.binh) == [due]
    # The teacher moves the due date: a new reminder for the new date.
    assignment.due_on = (NOW + timedelta(days=8)).date()
    db.session.commit()
    assert services.scan(NOW + timedelta(days=6)).created == {"due_soon": 2}


def test_a_kind_switched_off_everywhere_is_not_created_and_in_app_off_hides_it(world):
    assign(world, world.tree["class_a1"])
    services.save_settings(world.an.id, {("assignment_new", "in_app"): False, ("assignment_new", "email"): False})
    services.save_settings(world.binh.id, {("assignment_new", "in_app"): False})
    db.session.commit()
    services.scan(NOW)
    assert notices_of(world.an) == []
    assert len(notices_of(world.binh)) == 1  # kept for the email digest
    assert services.unread_count(world.binh.id) == 0
    assert db.session.scalars(services.notices_query(world.binh.id)).all() == []
    assert services.unread_count(world.chi.id) == 1


def test_settings_keep_rows_only_for_what_is_off(world):
    assert all(services.settings_of(world.an.id).values())
    assert services.save_settings(world.an.id, {("overdue", "email"): False, ("overdue", "in_app"): True}) == 1
    assert services.settings_of(world.an.id)[("overdue", "email")] is False
    assert services.save_settings(world.an.id, {("overdue", "email"): True}) == 1
    assert db.session.scalar(select(func.count()).select_from(NotificationSetting)) == 0
    assert services.save_settings(world.an.id, {("made_up", "email"): False}) == 0


def test_the_round_opening_reaches_people_registered_before_it_opened(world):
    contest, round_ = contest_with_round(NOW + timedelta(hours=2), NOW + timedelta(days=3))
    register(contest, world.an, NOW - timedelta(days=1))
    early_but_started = register(contest, world.binh, NOW - timedelta(days=1))
    assert services.scan(NOW).total == 0  # not open yet
    opened = NOW + timedelta(hours=3)
    register(contest, world.chi, opened - timedelta(minutes=30))  # during the round: already knows
    hand_in(round_, early_but_started, opened - timedelta(minutes=10))
    assert services.scan(opened).created == {"round_open": 1}
    [notice] = notices_of(world.an)
    assert notice.link == "/contests/hoi-thi/" and notice.params["round"] == "Vòng 1"
    assert services.scan(opened + timedelta(minutes=15)).total == 0


def test_a_draft_contest_says_nothing(world):
    contest, _ = contest_with_round(NOW - timedelta(hours=1), NOW + timedelta(days=1), status="draft")
    register(contest, world.an, NOW - timedelta(days=2))
    assert services.scan(NOW).total == 0


def test_published_results_reach_those_who_took_part(world):
    contest, round_ = contest_with_round(NOW - timedelta(days=5), NOW - timedelta(days=1), status="published")
    took_part = register(contest, world.an, NOW - timedelta(days=6))
    register(contest, world.binh, NOW - timedelta(days=6))  # registered, never handed anything in
    hand_in(round_, took_part, NOW - timedelta(days=2))
    contest.published_at = NOW - timedelta(hours=1)
    db.session.commit()
    assert services.scan(NOW).created == {"results_published": 1}
    [notice] = notices_of(world.an)
    assert notice.link == "/contests/hoi-thi/results"
    # Withdrawn and published again: a new publication, a new notice.
    contest.published_at = NOW + timedelta(hours=1)
    db.session.commit()
    assert services.scan(NOW + timedelta(hours=2)).created == {"results_published": 1}


def test_creating_the_same_notice_twice_is_a_no_op(world):
    """What a second server racing the first meets: the unique (user, key) index, not an error."""
    notice = Notice(world.an.id, "overdue", {"course": "X", "due_on": "2026-05-01"}, "/courses/x/", "overdue:99:2026-05-01")
    assert services._insert([notice, notice], NOW) == ["overdue"]
    assert services._insert([notice], NOW) == []
    assert len(notices_of(world.an)) == 1


def test_reading_and_marking_read(world):
    assign(world, world.tree["class_a1"], due_on=(NOW + timedelta(days=2)).date(), created_at=NOW - timedelta(days=4))
    services.scan(NOW - timedelta(days=3))
    services.scan(NOW)
    assert services.unread_count(world.an.id) == 2
    first = notices_of(world.an)[0]
    assert services.open_notice(world.binh.id, first.id) is None  # not hers
    assert services.open_notice(world.an.id, first.id).read_at is not None
    assert services.unread_count(world.an.id) == 1
    assert services.mark_all_read(world.an.id) == 1
    assert services.unread_count(world.an.id) == 0 and services.unread_count(world.binh.id) == 2


def test_links_stay_on_the_site():
    assert services.safe_link("/courses/x/") == "/courses/x/"
    for bad in ("https://evil.example/", "//evil.example/", "/\\evil.example", "", None, "javascript:alert(1)"):
        assert services.safe_link(bad) == "/"


def test_notices_are_in_the_data_download_and_go_with_the_account(world):
    assign(world, world.tree["class_a1"])
    services.scan(YESTERDAY + timedelta(hours=1))
    services.save_settings(world.an.id, {("overdue", "email"): False})
    data = export_personal_data(world.an)["notifications"]
    assert data["notices"][0]["kind"] == "assignment_new"
    assert "Dịch vụ công trực tuyến" in data["notices"][0]["text"]
    assert data["switched_off"] == [{"kind": "overdue", "channel": "email"}]
    execute_deletion(None, world.an)
    db.session.commit()
    assert notices_of(world.an) == []
    assert db.session.scalar(select(func.count()).select_from(NotificationSetting)) == 0
    assert len(notices_of(world.binh)) == 1


def test_a_notice_is_claimed_for_the_digest_once(world):
    """What keeps two servers running the digest from mailing a notice twice: the claim
    (``UPDATE ... WHERE emailed_at IS NULL``) answers each id to one caller only."""
    assign(world, world.tree["class_a1"])
    services.scan(YESTERDAY)
    ids = sorted(n.id for n in notices_of(world.an) + notices_of(world.binh))
    assert services._claim(ids, NOW) == ids
    db.session.commit()
    with db.engine.connect() as other_server:
        table = Notification.__table__
        again = other_server.execute(table.update().where(table.c.id.in_(ids), table.c.emailed_at.is_(None))
                                     .values(emailed_at=NOW + timedelta(minutes=1)).returning(table.c.id)).all()
        other_server.commit()
    assert again == []
    services._release(ids[:1], NOW)
    assert services._claim(ids, NOW + timedelta(minutes=2)) == ids[:1]
