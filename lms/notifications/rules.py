"""Which notices are due, their dedupe keys, and the daily digest's grouping: pure functions over
plain data (no database, no Flask), tested in tests/notifications/test_rules.py.

Times are naive UTC, as stored; calendar days people read (due dates, "the digest of a day")
are Vietnam days (``lms.core.timeutil``). The rules come from issue 18 ("Reminders"): a notice
for a new assignment, a due date in 3 days or fewer, an overdue course, a contest round opening
for the people registered, and published results for the people who took part; each person
switches each kind off per channel; email goes out as one digest a day.

A dedupe key names the event a notice is about (the assignment and its due date, the round and
its opening time, the contest and its publication time), never the moment of the scan: the
scan runs every 15 minutes on any number of servers, and the unique (user, key) index turns a
second creation of the same notice into a no-op. A changed due date or a re-publication is a
new event, hence a new key and a new notice.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from lms.core.timeutil import VN_OFFSET, vn_day_start_utc
from lms.courses.rules import is_overdue
from lms.notifications.models import Channel, NoticeKind

#: "A due date in 3 days": due today, tomorrow, in 2 or in 3 days (Vietnam calendar days).
DUE_SOON_DAYS = 3
#: A new assignment is announced to the people it reaches during this long after it was made
#: (also to someone who joins the class meanwhile); older ones are no longer news.
NEW_ASSIGNMENT_WINDOW = timedelta(days=7)
#: An overdue course is announced once per due date, if the due date passed at most this many
#: days ago: a person joining a class months later is not told about last term's deadlines.
OVERDUE_WINDOW_DAYS = 14
#: Published results are announced during this long after publication.
RESULTS_WINDOW = timedelta(days=14)
#: A notice not mailed within this long is no longer mailed (it stays in the app): switching
#: email on for a site, or an SMTP server down for days, must not send a flood of old news.
DIGEST_MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class Notice:
    """A notice to create: ``params`` hold what its text needs (rendered in the reader's
    language when shown or mailed), ``link`` is a path inside the site ("/courses/abc/")."""

    user_id: int
    kind: str  # a NoticeKind value
    params: dict
    link: str
    dedupe_key: str


def vn_date(moment: datetime) -> date:
    """The Vietnam calendar day of a naive-UTC moment."""
    return (moment + VN_OFFSET).date()


def _stamp(moment: datetime) -> str:
    """A moment as it appears in a dedupe key: UTC to the second, no separators."""
    return moment.strftime("%Y%m%dT%H%M%S")


# --- keys -----------------------------------------------------------------------------------


def assignment_new_key(assignment_id: int) -> str:
    """"assignment_new:<assignment id>": one per assignment and person."""
    return f"{NoticeKind.ASSIGNMENT_NEW}:{assignment_id}"


def due_soon_key(assignment_id: int, due_on: date) -> str:
    """"due_soon:<assignment id>:<due date>": a moved due date is a new reminder."""
    return f"{NoticeKind.DUE_SOON}:{assignment_id}:{due_on.isoformat()}"


def overdue_key(assignment_id: int, due_on: date) -> str:
    """"overdue:<assignment id>:<due date>": once per missed due date."""
    return f"{NoticeKind.OVERDUE}:{assignment_id}:{due_on.isoformat()}"


def round_open_key(round_id: int, opens_at: datetime) -> str:
    """"round_open:<round id>:<opening, UTC>": a moved opening is a new notice."""
    return f"{NoticeKind.ROUND_OPEN}:{round_id}:{_stamp(opens_at)}"


def results_key(contest_id: int, published_at: datetime) -> str:
    """"results_published:<contest id>:<publication, UTC>": a re-publication is a new notice."""
    return f"{NoticeKind.RESULTS_PUBLISHED}:{contest_id}:{_stamp(published_at)}"


# --- assignments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignedCourse:
    """One assignment of a course to a unit at or above the person's.

    ``title``: the course's title, ``title_i18n`` its translations ({"en": ...}); ``link``: the
    course's path; ``created_at``: naive UTC; ``due_on``: a Vietnam calendar day or None."""

    assignment_id: int
    title: str
    link: str
    created_at: datetime
    due_on: date | None = None
    title_i18n: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PersonCourse:
    """Everything the assignment rules need about one person and one course: whether they
    completed it, and every assignment of that course reaching them (their class's, their
    school's, their province's)."""

    user_id: int
    completed: bool
    assignments: tuple[AssignedCourse, ...]


def effective_assignment(assignments: Iterable[AssignedCourse]) -> AssignedCourse | None:
    """The assignment that counts when one course reaches a person several times (a class and
    its school both assigned it): the earliest due date, then the one with a due date, then the
    oldest. One course gives one reminder, at the earliest deadline the person is held to."""
    return min(assignments, key=lambda a: (a.due_on is None, a.due_on or date.max, a.created_at,
                                           a.assignment_id), default=None)


def assignment_notices(person: PersonCourse, now: datetime) -> list[Notice]:
    """The assignment notice due for ``person`` at ``now`` (naive UTC): at most one per course
    at a time, none for a completed course. In order of precedence:

    - overdue: the due date passed (``lms.courses.rules.is_overdue``) at most
      OVERDUE_WINDOW_DAYS ago;
    - due soon: due in DUE_SOON_DAYS days or fewer, unless the assignment was made when the due
      date was already that close (its "new assignment" notice gave the date);
    - new assignment: made at most NEW_ASSIGNMENT_WINDOW ago.

    So an assignment made a week ahead gives "new" at once and "due soon" three days before the
    date, while someone who joins the class two days before the date gets "due soon" alone.
    """
    chosen = effective_assignment(person.assignments)
    if person.completed or chosen is None:
        return []
    today = vn_date(now)
    due = chosen.due_on
    params = {"course": chosen.title, "course_i18n": dict(chosen.title_i18n),
              "due_on": due.isoformat() if due else None}

    def notice(kind: NoticeKind, key: str) -> list[Notice]:
        return [Notice(person.user_id, kind.value, params, chosen.link, key)]

    if due is not None and is_overdue(due, None, today):
        if (today - due).days <= OVERDUE_WINDOW_DAYS:
            return notice(NoticeKind.OVERDUE, overdue_key(chosen.assignment_id, due))
        return []
    if due is not None and (due - today).days <= DUE_SOON_DAYS \
            and (due - vn_date(chosen.created_at)).days > DUE_SOON_DAYS:
        return notice(NoticeKind.DUE_SOON, due_soon_key(chosen.assignment_id, due))
    if now - chosen.created_at <= NEW_ASSIGNMENT_WINDOW:
        return notice(NoticeKind.ASSIGNMENT_NEW, assignment_new_key(chosen.assignment_id))
    return []


def assignment_keys_possible(assignment: AssignedCourse, now: datetime) -> list[str]:
    """The keys ``assignment`` gives anyone it reaches at ``now``: the scan looks for people
    lacking one of them (and then decides with every assignment of the course reaching them)."""
    probe = PersonCourse(user_id=0, completed=False, assignments=(assignment,))
    return [n.dedupe_key for n in assignment_notices(probe, now)]


# --- contests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundRegistration:
    """A person registered for a contest, and one round of it. ``started``: they already have
    an entry in the round (an attempt started or work handed in)."""

    user_id: int
    round_id: int
    contest_title: str
    round_title: str
    link: str
    opens_at: datetime
    closes_at: datetime
    registered_at: datetime
    started: bool = False


def round_open_notice(fact: RoundRegistration, now: datetime) -> Notice | None:
    """"The round you registered for is open", while it is open, to people who registered
    before it opened (who registered during it already know) and have not started it yet."""
    if not fact.opens_at <= now < fact.closes_at or fact.started or fact.registered_at >= fact.opens_at:
        return None
    params = {"contest": fact.contest_title, "round": fact.round_title, "closes_at": fact.closes_at.isoformat()}
    return Notice(fact.user_id, NoticeKind.ROUND_OPEN.value, params, fact.link,
                  round_open_key(fact.round_id, fact.opens_at))


@dataclass(frozen=True)
class ContestTaken:
    """A person registered for a contest whose results may be published. ``took_part``: they
    have an entry in at least one round (an attempt or work handed in)."""

    user_id: int
    contest_id: int
    contest_title: str
    link: str
    published_at: datetime | None
    took_part: bool


def results_notice(fact: ContestTaken, now: datetime) -> Notice | None:
    """"Results are published", to people who took part, during RESULTS_WINDOW after the
    publication. Results withdrawn and published again are a new publication (new key)."""
    if not fact.took_part or fact.published_at is None or not timedelta(0) <= now - fact.published_at <= RESULTS_WINDOW:
        return None
    return Notice(fact.user_id, NoticeKind.RESULTS_PUBLISHED.value, {"contest": fact.contest_title}, fact.link,
                  results_key(fact.contest_id, fact.published_at))


# --- settings -------------------------------------------------------------------------------


def channels_on(kind: str, switched_off: Collection[tuple[str, str]]) -> frozenset[str]:
    """The channels on which a person gets notices of ``kind``: every channel unless its
    (kind, channel) pair is in ``switched_off`` (a person's settings rows with enabled False;
    no row means on)."""
    return frozenset(c.value for c in Channel if (kind, c.value) not in switched_off)


def worth_creating(kind: str, switched_off: Collection[tuple[str, str]]) -> bool:
    """A notice is created when at least one of its channels is on for its reader."""
    return bool(channels_on(kind, switched_off))


# --- the daily digest -----------------------------------------------------------------------


@dataclass(frozen=True)
class Unmailed:
    """A notice not yet mailed nor set aside (``emailed_at`` is NULL)."""

    id: int
    user_id: int
    kind: str
    created_at: datetime


@dataclass(frozen=True)
class Recipient:
    """A reader as the digest sees them: an address (None: in-app only), whether the account
    can still receive anything (active, not deleted), and their switched-off (kind, channel)s."""

    user_id: int
    email: str | None
    reachable: bool = True
    switched_off: frozenset = frozenset()


@dataclass
class DigestPlan:
    """``mails``: one (user_id, notice ids oldest first) per person to write to, by user id;
    ``not_mailed``: notices that will never be mailed (no address, email switched off for the
    kind, account closed, too old): marked so that no later digest looks at them again;
    ``later``: how many notices were left for the next day's digest."""

    mails: list[tuple[int, list[int]]] = field(default_factory=list)
    not_mailed: list[int] = field(default_factory=list)
    later: int = 0


def digest_cutoff(now: datetime) -> datetime:
    """The digest sent on a Vietnam day lists the notices created before that day began: a
    second run the same day finds nothing new, so nobody gets more than one mail a day however
    often cron runs the command (and notices of the day wait for tomorrow's mail; the app shows
    them at once)."""
    return vn_day_start_utc(vn_date(now))


def plan_digest(unmailed: Iterable[Unmailed], recipients: dict[int, Recipient], now: datetime) -> DigestPlan:
    """Group unmailed notices into one mail per person (see ``DigestPlan``); nobody with
    nothing to read gets a mail."""
    cutoff = digest_cutoff(now)
    plan = DigestPlan()
    groups: dict[int, list[Unmailed]] = {}
    for item in unmailed:
        if item.created_at >= cutoff:
            plan.later += 1
            continue
        reader = recipients.get(item.user_id)
        if (reader is None or not reader.reachable or not reader.email or now - item.created_at > DIGEST_MAX_AGE
                or Channel.EMAIL.value not in channels_on(item.kind, reader.switched_off)):
            plan.not_mailed.append(item.id)
            continue
        groups.setdefault(item.user_id, []).append(item)
    for user_id in sorted(groups):
        items = sorted(groups[user_id], key=lambda i: (i.created_at, i.id))
        plan.mails.append((user_id, [i.id for i in items]))
    plan.not_mailed.sort()
    return plan
