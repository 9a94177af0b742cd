"""Notices: the scan that creates them (``scan``, run every 15 minutes by
``lms notifications run``), what a person reads and switches off, and the daily email digest
(``send_digest``, ``lms notifications send-digest``).

Which notice is due, its dedupe key and the digest's grouping are pure rules
(``lms.notifications.rules``); this module gathers the plain facts they need and writes the
outcome. Both jobs are safe to run twice and on several servers at once: a notice is inserted
with ``ON CONFLICT DO NOTHING`` on its (user, dedupe key), and a digest claims the notices it
mails with ``UPDATE ... WHERE emailed_at IS NULL`` before sending, so two servers never mail
the same notice.
"""

from __future__ import annotations

import smtplib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, func, or_, select, update

from lms.auth.models import User
from lms.contests.models import Contest, ContestRound, Registration, RoundEntry
from lms.core import mail
from lms.core.timeutil import utcnow
from lms.courses.models import Assignment, Course, Enrollment
from lms.extensions import db
from lms.notifications import render, rules
from lms.notifications.models import Channel, NoticeKind, Notification, NotificationSetting
from lms.orgs.models import Organization
from lms.orgs.services import subtree_clause

CHUNK = 500  # ids per IN (...) list and rows per INSERT: well inside every database's limits
_TABLE = Notification.__table__


def site_path(endpoint: str, **values) -> str:
    """The path of ``endpoint`` ("/courses/abc/"), also outside a request (cron jobs): a
    notice stores a path, and a mail prefixes the public address to it."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _chunks(items: Sequence, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _lacks(key: str):
    """SQL: the person (User.id) has no notice with ``key`` yet."""
    return ~exists().where(Notification.user_id == User.id, Notification.dedupe_key == key)


def _reachable():
    """SQL: the account can still be reached (active, not deleted)."""
    return and_(User.active.is_(True), User.deleted_at.is_(None))


# --- settings -------------------------------------------------------------------------------


def switched_off(user_ids: Iterable[int]) -> dict[int, frozenset[tuple[str, str]]]:
    """{user id: frozenset of (kind, channel) switched off}; people with every kind on are absent."""
    found: dict[int, set] = {}
    ids = sorted(set(user_ids))
    for chunk in _chunks(ids):
        rows = db.session.execute(select(NotificationSetting.user_id, NotificationSetting.kind,
                                         NotificationSetting.channel)
                                  .where(NotificationSetting.user_id.in_(chunk), NotificationSetting.enabled.is_(False)))
        for user_id, kind, channel in rows:
            found.setdefault(user_id, set()).add((kind, channel))
    return {user_id: frozenset(pairs) for user_id, pairs in found.items()}


def settings_of(user_id: int) -> dict[tuple[str, str], bool]:
    """Every (kind, channel) with whether it is on for this person (no row: on)."""
    off = switched_off([user_id]).get(user_id, frozenset())
    return {(k.value, c.value): (k.value, c.value) not in off for k in NoticeKind for c in Channel}


def save_settings(user_id: int, choices: dict[tuple[str, str], bool]) -> int:
    """Store a person's choices ({(kind, channel): on}); pairs not given stay as they are. Only
    switched-off pairs keep a row (no row means on). Returns how many pairs changed."""
    current = settings_of(user_id)
    changed = 0
    for (kind, channel), on in choices.items():
        if (kind, channel) not in current or current[(kind, channel)] == bool(on):
            continue
        changed += 1
        db.session.execute(delete(NotificationSetting).where(
            NotificationSetting.user_id == user_id, NotificationSetting.kind == kind,
            NotificationSetting.channel == channel))
        if not on:
            db.session.add(NotificationSetting(user_id=user_id, kind=kind, channel=channel, enabled=False))
    db.session.flush()
    return changed


# --- reading --------------------------------------------------------------------------------


def _shown_in_app(user_id: int):
    """SQL: the person's notices whose kind they did not switch off in the app."""
    hidden = select(NotificationSetting.kind).where(
        NotificationSetting.user_id == user_id, NotificationSetting.channel == Channel.IN_APP.value,
        NotificationSetting.enabled.is_(False))
    return and_(Notification.user_id == user_id, Notification.kind.not_in(hidden))


def unread_count(user_id: int) -> int:
    """Unread notices shown in the app: one COUNT over the (user_id, created_at) index, for the
    header of every page."""
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(_shown_in_app(user_id), Notification.read_at.is_(None))) or 0


def notices_query(user_id: int):
    """The person's notices shown in the app, newest first (a select, for paging)."""
    return select(Notification).where(_shown_in_app(user_id)).order_by(Notification.created_at.desc(),
                                                                       Notification.id.desc())


def mark_all_read(user_id: int, now: datetime | None = None) -> int:
    """Mark every unread notice of the person read; returns how many."""
    result = db.session.execute(update(_TABLE).where(_TABLE.c.user_id == user_id, _TABLE.c.read_at.is_(None))
                                .values(read_at=now or utcnow()))
    return result.rowcount or 0


def open_notice(user_id: int, notice_id: int, now: datetime | None = None) -> Notification | None:
    """The person's notice ``notice_id``, marked read (None when it is not theirs)."""
    notice = db.session.scalar(select(Notification).where(Notification.id == notice_id,
                                                          Notification.user_id == user_id))
    if notice is not None and notice.read_at is None:
        notice.read_at = now or utcnow()
        db.session.flush()
    return notice


def safe_link(link: str | None) -> str:
    """A stored link as a path inside this site ("/" when it is anything else), so following a
    notice can never lead off the site."""
    if not link or not link.startswith("/") or link.startswith("//") or "\\" in link:
        return "/"
    return link


# --- the scan -------------------------------------------------------------------------------


@dataclass
class ScanReport:
    """How many notices a scan created, by kind."""

    created: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.created.values())


def scan(now: datetime | None = None) -> ScanReport:
    """Create every notice due at ``now`` (naive UTC) that does not exist yet, for the kinds
    their readers have not switched off on every channel. Flushes; the caller commits."""
    now = now or utcnow()
    notices = [*_assignment_notices(now), *_round_notices(now), *_results_notices(now)]
    off = switched_off(n.user_id for n in notices)
    wanted = [n for n in notices if rules.worth_creating(n.kind, off.get(n.user_id, frozenset()))]
    report = ScanReport()
    report.created.update(_insert(wanted, now))
    return report


def _insert(notices: list[rules.Notice], now: datetime) -> list[str]:
    """Insert ``notices``, skipping those that exist (another server, an earlier run); returns
    the kinds of those actually inserted."""
    if not notices:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    inserted: list[str] = []
    for chunk in _chunks(notices):
        rows = [{"user_id": n.user_id, "kind": n.kind, "params": n.params, "link": n.link,
                 "dedupe_key": n.dedupe_key, "created_at": now} for n in chunk]
        stmt = (insert(_TABLE).values(rows).on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
                .returning(_TABLE.c.kind))
        inserted += db.session.execute(stmt).scalars().all()
    return inserted


def _assignment_notices(now: datetime) -> list[rules.Notice]:
    """Assignment notices: for each assignment that can give one now, the people of its unit's
    subtree who have not completed the course and lack one of its keys; the rule then looks at
    every such assignment of the course reaching each of them."""
    today = rules.vn_date(now)
    live = db.session.execute(
        select(Assignment, Course, Organization.path)
        .join(Course, Course.id == Assignment.course_id).join(Organization, Organization.id == Assignment.org_id)
        .where(Course.active.is_(True), or_(
            Assignment.created_at >= now - rules.NEW_ASSIGNMENT_WINDOW,
            and_(Assignment.due_on >= today - timedelta(days=rules.OVERDUE_WINDOW_DAYS),
                 Assignment.due_on <= today + timedelta(days=rules.DUE_SOON_DAYS))))
        .order_by(Assignment.id)).all()
    facts: dict[int, rules.AssignedCourse] = {}
    by_course: dict[int, list[tuple[Assignment, rules.AssignedCourse]]] = {}
    wanted: set[tuple[int, int]] = set()  # (user id, course id) to decide on
    paths: dict[int, str] = {}
    for assignment, course, org_path in live:
        fact = rules.AssignedCourse(
            assignment_id=assignment.id, title=course.title, link=site_path("courses.course", course_slug=course.slug),
            created_at=assignment.created_at, due_on=assignment.due_on,
            title_i18n={lang: t["title"] for lang, t in (course.translations or {}).items() if t.get("title")})
        facts[assignment.id] = fact
        by_course.setdefault(course.id, []).append((assignment, fact))
        keys = rules.assignment_keys_possible(fact, now)
        if not keys:
            continue
        completed = exists().where(Enrollment.user_id == User.id, Enrollment.course_id == course.id,
                                   Enrollment.completed_at.is_not(None))
        rows = db.session.execute(
            select(User.id, Organization.path).join(Organization, Organization.id == User.org_id)
            .where(subtree_clause(org_path), _reachable(), ~completed, or_(*(_lacks(k) for k in keys))))
        for user_id, user_path in rows:
            wanted.add((user_id, course.id))
            paths[user_id] = user_path
    notices = []
    for user_id, course_id in sorted(wanted):
        unit_ids = {int(part) for part in paths[user_id].strip("/").split("/") if part}
        reaching = tuple(fact for assignment, fact in by_course[course_id] if assignment.org_id in unit_ids)
        notices += rules.assignment_notices(rules.PersonCourse(user_id, False, reaching), now)
    return notices


def _round_notices(now: datetime) -> list[rules.Notice]:
    """"Round open" notices: registrations of contests with a round open now."""
    live = db.session.execute(
        select(ContestRound, Contest).join(Contest, Contest.id == ContestRound.contest_id)
        .where(Contest.status.in_(("open", "closed")), ContestRound.opens_at <= now, ContestRound.closes_at > now)
        .order_by(ContestRound.id)).all()
    notices = []
    for round_, contest in live:
        key = rules.round_open_key(round_.id, round_.opens_at)
        started = exists().where(RoundEntry.round_id == round_.id, RoundEntry.registration_id == Registration.id)
        rows = db.session.execute(
            select(Registration.user_id, Registration.created_at, started)
            .join(User, User.id == Registration.user_id)
            .where(Registration.contest_id == contest.id, Registration.created_at < round_.opens_at,
                   _reachable(), _lacks(key)))
        link = site_path("contests.contest", slug=contest.slug)
        for user_id, registered_at, has_started in rows:
            notice = rules.round_open_notice(rules.RoundRegistration(
                user_id=user_id, round_id=round_.id, contest_title=contest.title, round_title=round_.title,
                link=link, opens_at=round_.opens_at, closes_at=round_.closes_at, registered_at=registered_at,
                started=bool(has_started)), now)
            if notice is not None:
                notices.append(notice)
    return notices


def _results_notices(now: datetime) -> list[rules.Notice]:
    """"Results published" notices: people with an entry in a contest published lately."""
    contests = db.session.scalars(select(Contest).where(
        Contest.status == "published", Contest.published_at.is_not(None),
        Contest.published_at >= now - rules.RESULTS_WINDOW).order_by(Contest.id)).all()
    notices = []
    for contest in contests:
        key = rules.results_key(contest.id, contest.published_at)
        took_part = exists().where(RoundEntry.registration_id == Registration.id,
                                   or_(RoundEntry.attempt_id.is_not(None), RoundEntry.submitted_at.is_not(None)))
        rows = db.session.execute(
            select(Registration.user_id).join(User, User.id == Registration.user_id)
            .where(Registration.contest_id == contest.id, took_part, _reachable(), _lacks(key)).distinct())
        link = site_path("contests.results", slug=contest.slug)
        for (user_id,) in rows:
            notice = rules.results_notice(rules.ContestTaken(
                user_id=user_id, contest_id=contest.id, contest_title=contest.title, link=link,
                published_at=contest.published_at, took_part=True), now)
            if notice is not None:
                notices.append(notice)
    return notices


# --- the daily digest -----------------------------------------------------------------------


@dataclass
class DigestReport:
    """What a digest run did: ``mails`` sent, the notices they carried, notices set aside
    (``not_mailed``: no address, email off, too old), notices left for tomorrow (``later``),
    people whose mail did not go (``failed``; their notices stay for the next run) and the
    SMTP error that stopped or hindered the run (``error``). ``mail_off``: MAIL_SERVER unset."""

    mails: int = 0
    notices_mailed: int = 0
    not_mailed: int = 0
    later: int = 0
    failed: int = 0
    error: str | None = None
    mail_off: bool = False


def _claim(ids: list[int], now: datetime) -> list[int]:
    """Mark ``ids`` as handled at ``now`` unless someone (another server) did first; returns the
    ids this call claimed."""
    claimed: list[int] = []
    for chunk in _chunks(sorted(ids)):
        claimed += db.session.execute(
            update(_TABLE).where(_TABLE.c.id.in_(chunk), _TABLE.c.emailed_at.is_(None))
            .values(emailed_at=now).returning(_TABLE.c.id)).scalars().all()
    return sorted(claimed)  # RETURNING's order is unspecified on PostgreSQL


def _release(ids: list[int], now: datetime) -> None:
    """Undo this run's claim on ``ids`` (their mail did not go): the next run tries again."""
    for chunk in _chunks(sorted(ids)):
        db.session.execute(update(_TABLE).where(_TABLE.c.id.in_(chunk), _TABLE.c.emailed_at == now)
                           .values(emailed_at=None))


def send_digest(now: datetime | None = None, *, commit: Callable[[], None], batch: int = 100) -> DigestReport:
    """Mail each person one digest of their unmailed notices (``rules.plan_digest``), ``batch``
    people per SMTP connection, and set aside what is not to be mailed.

    ``commit`` is called after each claim and after each batch's outcome: a claim must be
    visible to other servers before a mail leaves, and a mail that left must be recorded before
    the next batch (a crash then loses at most a batch's mails, never sends one twice).
    On a failure of the SMTP server the notices of the mails that did not go are released for
    the next run and the run stops (``error``); a recipient refused by the server is released
    and skipped. Does nothing when email is off (``mail_off``)."""
    now = now or utcnow()
    report = DigestReport()
    if not mail.mail_enabled():
        report.mail_off = True
        return report
    user_ids = list(db.session.scalars(select(Notification.user_id).where(Notification.emailed_at.is_(None))
                                       .distinct().order_by(Notification.user_id)))
    for people in _chunks(user_ids, batch):
        plan = _plan(people, now)
        report.later += plan.later
        report.not_mailed += len(_claim(plan.not_mailed, now))
        claimed = [(user_id, got) for user_id, ids in plan.mails if (got := _claim(ids, now))]
        commit()
        stopped = _deliver(claimed, now, report)
        commit()
        if stopped:
            break
    return report


def _plan(user_ids: list[int], now: datetime) -> rules.DigestPlan:
    pending = [rules.Unmailed(*row) for row in db.session.execute(
        select(Notification.id, Notification.user_id, Notification.kind, Notification.created_at)
        .where(Notification.user_id.in_(user_ids), Notification.emailed_at.is_(None)))]
    off = switched_off(user_ids)
    recipients = {
        user_id: rules.Recipient(user_id, email, bool(active) and deleted_at is None, off.get(user_id, frozenset()))
        for user_id, email, active, deleted_at in db.session.execute(
            select(User.id, User.email, User.active, User.deleted_at).where(User.id.in_(user_ids)))}
    return rules.plan_digest(pending, recipients, now)


def _deliver(claimed: list[tuple[int, list[int]]], now: datetime, report: DigestReport) -> bool:
    """Send the mails of ``claimed`` (user id, notice ids) over one connection; release what did
    not go. True when the SMTP server failed (the run stops)."""
    if not claimed:
        return False
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([u for u, _ in claimed])))}
    notices = {n.id: n for n in db.session.scalars(select(Notification).where(
        Notification.id.in_([i for _, ids in claimed for i in ids])))}
    list_path, settings_path = site_path("notifications.index"), site_path("notifications.settings")
    mails = [render.digest_mail(users[user_id], [notices[i] for i in ids], list_path=list_path,
                                settings_path=settings_path) for user_id, ids in claimed]
    position = 0
    while position < len(mails):
        try:
            mail.send(mails[position:])
        except mail.MailError as error:
            went = error.args[1] if len(error.args) > 1 else 0
            _count_sent(claimed[position:position + went], report)
            position += went
            report.error = str(error)
            if isinstance(error.__cause__, smtplib.SMTPRecipientsRefused) and position < len(mails):
                _release(claimed[position][1], now)  # this address only: the others may go on
                report.failed += 1
                position += 1
                continue
            rest = claimed[position:]
            _release([i for _, ids in rest for i in ids], now)
            report.failed += len(rest)
            return True
        else:
            _count_sent(claimed[position:], report)
            position = len(mails)
    return False


def _count_sent(groups: list[tuple[int, list[int]]], report: DigestReport) -> None:
    report.mails += len(groups)
    report.notices_mailed += sum(len(ids) for _, ids in groups)


# --- personal data --------------------------------------------------------------------------


def _personal_data(user) -> dict:
    """Every notice of the person (its words in their language) and their settings."""
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    notices = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                 .order_by(Notification.created_at, Notification.id))
    return {
        "notices": [{"kind": n.kind, "text": render.notice_text(n.kind, n.params), "params": n.params,
                     "link": n.link, "created_at": iso(n.created_at), "read_at": iso(n.read_at),
                     "emailed_at": iso(n.emailed_at)} for n in notices],
        "switched_off": [{"kind": kind, "channel": channel}
                         for kind, channel in sorted(switched_off([user.id]).get(user.id, frozenset()))],
    }


def _erase_personal_data(user) -> None:
    """Notices and settings name what a person was asked to do: they go with the account."""
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(NotificationSetting).where(NotificationSetting.user_id == user.id))


def _register_privacy() -> None:
    from lms.privacy.services import register_personal_data, register_personal_data_eraser

    register_personal_data("notifications", _personal_data, _l("your notices and notification settings"))
    register_personal_data_eraser(_erase_personal_data)


_register_privacy()
