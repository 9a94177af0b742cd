"""Setting up contests and registering participants (pages come with the rest of the contest mode)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.audit.services import record_audit
from lms.auth.services import PHONE_RE, normalise_phone, phone_problem
from lms.contests.models import Contest, Registration
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
