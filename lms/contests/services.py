"""Setting up contests and registering participants (pages come with the rest of the contest mode)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.audit.services import record_audit
from lms.auth.services import PHONE_RE, normalise_phone, phone_problem
from lms.contests.models import Contest, ContestRound, Registration
from lms.core.errors import ServiceError
from lms.core.text import fold, has_letters, nfc, person_name
from lms.core.timeutil import vn_today
from lms.core.validators import check_lengths
from lms.courses.content import SLUG_RE
from lms.courses.render import render_markdown
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import is_within

OPTIONAL_FIELDS = ("date_of_birth", "phone", "school", "class_name", "unit_name")
REGISTRATION_LABELS = {"full_name": _l("Full name"), "date_of_birth": _l("Date of birth"), "phone": _l("Phone"),
                       "school": _l("School"), "class_name": _l("Class"), "unit_name": _l("Unit")}


def create_contest(actor, slug: str, title: str, rules_md: str = "", scope: Organization | None = None,
                   registration_fields: dict | None = None) -> Contest:
    if not SLUG_RE.match(slug or ""):
        raise ServiceError(_l("The contest name must be lower-case letters, digits and dashes."), field="slug")
    if db.session.scalar(select(Contest.id).where(Contest.slug == slug)):
        raise ServiceError(_l("A contest named %(slug)s already exists.", slug=slug), field="slug")
    fields = registration_fields or {}
    unknown = set(fields) - set(OPTIONAL_FIELDS)
    if unknown:
        raise ServiceError(_l("Unknown registration field(s): %(f)s.", f=", ".join(sorted(unknown))))
    contest = Contest(slug=slug, title=nfc(title), rules_md=rules_md, rules_html=render_markdown(rules_md),
                      scope_org_id=scope.id if scope else None, registration_fields=fields)
    db.session.add(contest)
    db.session.flush()
    record_audit(actor, "contest.create", target=contest, slug=slug)
    return contest


@dataclass
class RegistrationForm:
    full_name: str
    date_of_birth: date | None = None
    phone: str | None = None
    school: str | None = None
    class_name: str | None = None
    unit_name: str | None = None


def identity_key(full_name: str, birth: date | None, phone: str | None) -> str:
    return "|".join([fold(full_name or ""), birth.isoformat() if birth else "", normalise_phone(phone) or ""])


def register(user, contest: Contest, form: RegistrationForm, now: datetime | None = None) -> Registration:
    """Register once per account; a second account with the same name, birth date and phone is
    accepted but flagged for the organiser (duplicate registrations distort rankings). With
    ``now`` (naive UTC; the web form passes the clock), refused once every round has closed: a
    registration then could take no part, yet would count in the report and against its unit's
    headcount. Without it (set-up and imports of a contest's own records) nothing is refused
    for time."""
    if contest.status != "open":
        raise ServiceError(_l("Registration for this contest is not open."))
    if now is not None and contest.rounds and all(r.closes_at <= now for r in contest.rounds):
        raise ServiceError(_l("Registration has closed: every round of this contest has ended."))
    if contest.scope_org_id is not None:
        scope = db.session.get(Organization, contest.scope_org_id)
        if user.org is None or not is_within(user.org.path, scope.path):
            raise ServiceError(_l("This contest is for people of %(unit)s.", unit=scope.name))
    name = person_name(form.full_name or "")
    if not has_letters(name):
        raise ServiceError(_l("Full name is required."), field="full_name")
    for field_name, required in (contest.registration_fields or {}).items():
        if required and not getattr(form, field_name):
            raise ServiceError(_l("This contest requires: %(field)s.",
                                  field=str(REGISTRATION_LABELS.get(field_name, field_name)).lower()), field=field_name)
    existing = db.session.scalar(select(Registration).where(
        Registration.contest_id == contest.id, Registration.user_id == user.id))
    if existing is not None:
        return existing
    values = {"full_name": name, "phone": normalise_phone(form.phone), "school": nfc(form.school) or None,
              "class_name": nfc(form.class_name) or None, "unit_name": nfc(form.unit_name) or None}
    check_lengths(Registration, values, REGISTRATION_LABELS)
    if values["phone"] and not PHONE_RE.match(values["phone"]):
        raise ServiceError(phone_problem(form.phone), field="phone")
    if form.date_of_birth and not (date(1900, 1, 1) <= form.date_of_birth <= vn_today()):
        raise ServiceError(_l("Date of birth is out of range."), field="date_of_birth")
    key = identity_key(name, form.date_of_birth, form.phone)
    duplicate = None
    if form.date_of_birth and form.phone:
        duplicate = db.session.scalar(select(Registration.id).where(
            Registration.contest_id == contest.id, Registration.identity_key == key).order_by(Registration.id))
    registration = Registration(
        contest_id=contest.id, user_id=user.id, org_id=user.org_id, date_of_birth=form.date_of_birth,
        identity_key=key, duplicate_of_id=duplicate, **values)
    db.session.add(registration)
    db.session.flush()
    record_audit(user, "contest.register", target=contest, duplicate_of=duplicate)
    return registration


def flagged_duplicates(contest: Contest) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(
        Registration.contest_id == contest.id, Registration.duplicate_of_id.is_not(None)).order_by(Registration.id)))


# --- on the learner's home ------------------------------------------------------------


@dataclass
class OpenContest:
    """A contest open to one person now: she may register (``registered`` False), or she is
    registered and ``open_rounds`` run now ((round, done): done when a quiz round's attempts
    are used up), or ``next_round`` is the next to open."""

    contest: Contest
    registered: bool
    open_rounds: list = field(default_factory=list)
    next_round: ContestRound | None = None


def contests_open_to(user, now: datetime) -> list[OpenContest]:
    """Contests open to ``user`` at ``now`` (naive UTC), for her home: open for registration
    (status "open", not withdrawn, some round still to close, her unit within the contest's
    scope) and not yet registered; or registered with a round running now or still to open.
    Newest contests first; four queries whatever their number."""
    from lms.quizzes.models import Attempt

    contests = [c for c in db.session.scalars(
        select(Contest).options(selectinload(Contest.rounds))
        .where(Contest.status == "open", Contest.withdrawn_at.is_(None))
        .order_by(Contest.created_at.desc(), Contest.id.desc()))
        if not c.rounds or any(r.closes_at > now for r in c.rounds)]
    scopes = {o.id: o.path for o in db.session.scalars(select(Organization).where(
        Organization.id.in_({c.scope_org_id for c in contests if c.scope_org_id is not None})))}
    contests = [c for c in contests if c.scope_org_id is None
                or (user.org is not None and is_within(user.org.path, scopes.get(c.scope_org_id, "\0")))]
    registered = set(db.session.scalars(select(Registration.contest_id).where(
        Registration.user_id == user.id, Registration.contest_id.in_([c.id for c in contests]))))
    running = [r for c in contests if c.id in registered for r in c.rounds if r.opens_at <= now < r.closes_at]
    used = dict(db.session.execute(
        select(Attempt.round_id, func.count(Attempt.id)).where(
            Attempt.user_id == user.id, Attempt.status == "submitted",
            Attempt.round_id.in_([r.id for r in running if r.kind == "quiz"]))
        .group_by(Attempt.round_id)).all()) if running else {}
    found = []
    for contest in contests:
        if contest.id not in registered:
            found.append(OpenContest(contest, registered=False))
            continue
        open_rounds = [(r, r.kind == "quiz" and used.get(r.id, 0) >= r.attempts_allowed)
                       for r in contest.rounds if r.opens_at <= now < r.closes_at]
        upcoming = [r for r in contest.rounds if r.opens_at > now]
        if open_rounds or upcoming:
            found.append(OpenContest(contest, registered=True, open_rounds=open_rounds,
                                     next_round=None if open_rounds else min(upcoming, key=lambda r: r.opens_at)))
    return found
