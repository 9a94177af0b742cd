"""Account rules: usernames, passwords, one-time codes, registration and roles."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from lms.access import rules
from lms.access.adapters import grants_of
from lms.audit.services import record_audit
from lms.auth import passwords
from lms.auth.models import ROLE_LABELS, ROLES, USER_KINDS, RoleAssignment, User
from lms.core.codes import READABLE_LOWER, readable_code
from lms.core.errors import ServiceError
from lms.core.i18n import register_labels
from lms.core.text import has_letters, nfc, person_name
from lms.core.timeutil import utcnow
from lms.core.validators import column_length
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import find_org_by_join_code

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A phone number as stored (after ``normalise_phone``). Vietnam's numbering plan since the
# 2018 renumbering (Decision 798/QĐ-BTTTT): mobile numbers are 10 digits, 0 then 3, 5, 7, 8
# or 9; landlines 11 digits starting 02; 1800/1900 service numbers 8 or 10 digits. A foreign
# number is written + and its country code, at most 15 digits in all (ITU-T E.164).
PHONE_RE = re.compile(r"^(?:0[35789][0-9]{8}|02[0-9]{9}|1[89]00[0-9]{4}(?:[0-9]{2})?|\+(?!84)[1-9][0-9]{6,14})$")
_PHONE_SEPARATORS = re.compile(r"[\s.()\-/]")
# Verifying against this keeps the timing of "no such user" close to "wrong password".
_DUMMY_HASH = None


def normalise_username(value: str | None) -> str:
    return nfc(value or "").lower()


def phone_problem(value):
    """The message for a value that is not a phone number (forms, rosters, registrations)."""
    return _l("%(phone)s is not a phone number: a Vietnamese number has 10 digits starting with 0 "
              "(landlines 11), a foreign one starts with + and the country code.", phone=value)


def parse_phone(value: str | None) -> tuple[str | None, bool]:
    """``(number, zero_restored)`` for a phone number as typed or read from a sheet: spaces,
    dots, dashes, slashes and brackets dropped; +84 / 0084 / 84 before a Vietnamese number
    written as 0… ("+84 912 345 678" -> "0912345678"); and a 9-digit number starting with 3,
    5, 7, 8 or 9, which is a Vietnamese mobile number whose leading 0 a spreadsheet dropped
    (912345678 -> "0912345678", ``zero_restored`` True). Anything else is returned cleaned
    but unchanged, to be judged by ``PHONE_RE``; (None, False) for an empty value."""
    if value is None:
        return None, False
    cleaned = _PHONE_SEPARATORS.sub("", str(value))
    if not cleaned:
        return None, False
    for prefix in ("+84", "0084", "84"):
        if cleaned.startswith(prefix):
            national = cleaned[len(prefix):]
            national = national if national.startswith("0") else "0" + national
            if PHONE_RE.match(national) and (prefix != "84" or len(cleaned) in (11, 12)):
                return national, False
    if len(cleaned) == 9 and cleaned[0] in "35789" and cleaned.isdigit() and cleaned.isascii():
        return "0" + cleaned, True
    return cleaned, False


def normalise_phone(value: str | None) -> str | None:
    """The phone number to store (``parse_phone``), or None when empty; check it with
    ``PHONE_RE``."""
    return parse_phone(value)[0]


def validate_username(username: str) -> str | None:
    if not USERNAME_RE.match(username):
        return _l("Username must be 3-64 characters: lower-case letters without accents, digits, dot, dash or underscore, starting with a letter or digit.")
    return None


def password_problem(password: str, username: str | None = None, full_name: str | None = None,
                     unit_name: str | None = None) -> str | None:
    """None when the password may be chosen, else why not (translated): the rules of
    lms.auth.passwords (NIST SP 800-63B §5.1.1.2) with the person's own details as words a
    password must not be built from."""
    return passwords.password_problem(password, passwords.person_inputs(username, full_name, unit_name),
                                      min_length=current_app.config["PASSWORD_MIN_LENGTH"])


def hash_password(password: str) -> str:
    """A scrypt hash of the password's NFKC form (NIST SP 800-63B §5.1.1.2), so the same
    password typed on another keyboard or phone (composed or decomposed accents) matches."""
    return generate_password_hash(passwords.normalise(password), method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's password or unexpired one-time code; no side effect."""
    if not user.password_hash:
        return False
    stable = passwords.normalise(password)
    # Hashes made before passwords were normalised hold the text as typed.
    if not (check_password_hash(user.password_hash, stable)
            or (stable != (password or "") and check_password_hash(user.password_hash, password or ""))):
        return False
    expires = user.one_time_code_expires_at
    return not (user.must_change_password and expires and expires < utcnow())


def set_password(user: User, password: str) -> None:
    """Replace the password (refused with ServiceError(field="password") when too weak). The
    model then renews the session token: every other session of this person ends."""
    problem = password_problem(password, user.username, user.full_name, user.org.name if user.org else None)
    if problem:
        raise ServiceError(problem, field="password")
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.one_time_code_expires_at = None


def active_user_by_username(username: str | None) -> User | None:
    """The active account an admin or organiser names by its username, typed in any case or
    Unicode form (usernames are stored NFC and lower-case)."""
    return db.session.scalar(select(User).where(User.username == normalise_username((username or "").strip()),
                                                User.active.is_(True)))


def authenticate(username: str, password: str) -> User | None:
    """The active user whose password (or unexpired, unspent one-time code) matches, or None.
    Checks only: the sign-in itself is :func:`record_sign_in`."""
    global _DUMMY_HASH
    user = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None or not user.password_hash or not user.is_active:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if verify_password(user, password) else None


def record_sign_in(user: User) -> bool:
    """Note a successful sign-in (audit "auth.login") and spend a one-time code: it signs in
    once, after which only the new password the person must now choose works. True when a
    one-time code was used."""
    used_code = bool(user.must_change_password)
    user.last_login_at = utcnow()
    if used_code:
        user.password_hash = None  # spent; must_change_password keeps the person on /password
        user.one_time_code_expires_at = None
    record_audit(user, "auth.login", target=user, org=user.org, one_time_code=used_code)
    db.session.flush()
    return used_code


def record_failed_sign_in(username: str | None) -> None:
    """Audit "auth.login_failed": the username as tried (printable characters, at most 64),
    the account it names if any; never the password. The caller commits even though the
    sign-in failed."""
    tried = "".join(ch for ch in normalise_username(username) if ch.isprintable())[:64]
    user = db.session.scalar(select(User).where(User.username == tried)) if tried else None
    record_audit(None, "auth.login_failed", target=user, org=user.org if user else None, username=tried)


# What a sign-in lockout counted (``scope`` of record_lockout), as the audit page names it.
LOCKOUT_SCOPE_LABELS = register_labels("lockout_scope", {"username": _l("per username"), "address": _l("per address")})


def record_lockout(username: str | None, scope: str, limit: str) -> None:
    """Audit "auth.lockout": sign-ins refused by the rate limit, per username or per address
    (``scope``), ``limit`` as configured (e.g. "10 per 1 minute")."""
    tried = "".join(ch for ch in normalise_username(username) if ch.isprintable())[:64]
    record_audit(None, "auth.lockout", username=tried or None, scope=scope, limit=limit)


def sign_out(user: User, everywhere: bool = False) -> None:
    """End every session of ``user`` (audit "auth.logout" or "auth.logout_everywhere"). A
    browser that should stay signed in must be given the new token (login_user again)."""
    user.end_sessions()
    record_audit(user, "auth.logout_everywhere" if everywhere else "auth.logout", target=user, org=user.org)
    db.session.flush()


def issue_one_time_code(user: User, actor=None) -> str:
    """Replace the password by a short random code the learner must change at first login.
    It signs in once (see record_sign_in), within ONE_TIME_CODE_DAYS; issuing it ends the
    person's sessions."""
    code = readable_code(10, READABLE_LOWER)
    user.password_hash = generate_password_hash(code, method=current_app.config["ONE_TIME_CODE_HASH_METHOD"])
    user.must_change_password = True
    user.one_time_code_expires_at = utcnow() + timedelta(days=current_app.config["ONE_TIME_CODE_DAYS"])
    db.session.flush()
    if actor is not None:
        record_audit(actor, "user.one_time_code", target=user, org=user.org)
    return code


@dataclass
class NewUser:
    username: str
    full_name: str
    kind: str = "citizen"
    org: Organization | None = None
    email: str | None = None
    phone: str | None = None
    date_of_birth: date | None = None
    password: str | None = None


def user_field_problems(data: NewUser) -> dict[str, str]:
    problems: dict[str, str] = {}
    problem = validate_username(data.username)
    if problem:
        problems["username"] = problem
    if not has_letters(data.full_name):  # blank, or only invisible characters or punctuation
        problems["full_name"] = _l("Full name is required.")
    for field, label in (("full_name", _l("Full name")), ("email", _l("Email"))):
        value, limit = getattr(data, field), column_length(User, field)
        if value and len(value) > limit:  # PostgreSQL refuses it (a 500); SQLite would store it
            problems[field] = _l("%(field)s: at most %(max)d characters (%(count)d typed).",
                                 field=label, max=limit, count=len(value))
    if data.kind not in USER_KINDS:
        problems["kind"] = _l("Unknown kind of learner %(kind)s.", kind=data.kind)
    if data.email and not EMAIL_RE.match(data.email):
        problems["email"] = _l("%(email)s is not an email address.", email=data.email)
    if data.phone and not PHONE_RE.match(data.phone):
        problems["phone"] = phone_problem(data.phone)
    if data.date_of_birth and not (date(1900, 1, 1) <= data.date_of_birth <= date.today()):
        problems["date_of_birth"] = _l("Date of birth is out of range.")
    if data.password is not None:
        problem = password_problem(data.password, data.username, data.full_name,
                                   data.org.name if data.org else None)
        if problem:
            problems["password"] = problem
    return problems


def create_user(data: NewUser, actor=None) -> User:
    data.username = normalise_username(data.username)
    data.full_name = person_name(data.full_name)
    data.email = nfc(data.email) or None
    data.phone = normalise_phone(data.phone)
    problems = user_field_problems(data)
    if not problems.get("username") and username_taken(data.username):
        problems["username"] = _l("The username %(u)s is taken.", u=data.username)
    if problems:
        field, message = next(iter(problems.items()))
        raise ServiceError(message, field=field)
    user = User(
        username=data.username,
        full_name=data.full_name,
        kind=data.kind,
        org=data.org,
        email=data.email,
        phone=data.phone,
        date_of_birth=data.date_of_birth,
        password_hash=hash_password(data.password) if data.password else None,
    )
    db.session.add(user)
    db.session.flush()
    if actor is not None:
        record_audit(actor, "user.create", target=user, org=user.org, username=user.username)
    return user


def username_taken(username: str) -> bool:
    return db.session.scalar(select(func.count()).where(User.username == username)) > 0


#: The kind of learner each kind of unit holds (lms.orgs.models.ORG_KINDS): schools and
#: classes hold students; ministries, provinces, departments, districts, communes and
#: agencies hold civil servants and public employees. "other" says nothing.
UNIT_LEARNER_KINDS = {
    "school": "student", "class": "student",
    "ministry": "civil_servant", "province": "civil_servant", "department": "civil_servant",
    "district": "civil_servant", "commune": "civil_servant", "agency": "civil_servant",
}


def kind_for_unit(org: Organization | None) -> str | None:
    """The learner kind ``org``'s kind implies ("student", "civil_servant"), or None when it
    implies none (no unit, or a unit of kind "other")."""
    return UNIT_LEARNER_KINDS.get(org.kind) if org is not None else None


def default_kind_for(org: Organization | None) -> str:
    """The kind to preselect for someone joining ``org``: ``kind_for_unit``, else "citizen"."""
    return kind_for_unit(org) or "citizen"


def kind_in_unit(org: Organization | None, chosen: str | None, current: str | None = None) -> str:
    """The kind an account gets when a manager, teacher or roster puts it in the unit ``org``:
    ``chosen`` when one was chosen (a teacher listed in a school stays a civil servant), else
    the kind the unit implies (``kind_for_unit``: a school or class makes a student, a public
    body a civil servant), else ``current`` (the account's kind so far), else "citizen".

    The forms and the roster default to no choice ("as the unit implies"): a form whose list
    started at civil servant stored a class's pupils as civil servants (issue 18, fault 2).
    Self-registration with a join code does not take a choice at all (register_with_join_code)."""
    return chosen or kind_for_unit(org) or current or "citizen"


def register_with_join_code(join_code: str, data: NewUser) -> User:
    """Create the account of someone joining the unit of ``join_code`` (ServiceError with
    field "join_code" when no active unit has it, or the field a value is refused for).

    The kind follows the unit whenever the unit says it (``kind_for_unit``: a school or class
    makes a student, a public body a civil servant), whatever the form sent: a code typed by
    hand left the form's default, civil servant, on students (issue 18, fault 2). For other
    units the person's choice stands. Signing up signs the person in, so it counts as a
    sign-in (``last_login_at``): login slips leave such accounts alone (lms.auth.slips).
    Audited as "user.register"."""
    org = find_org_by_join_code(join_code)
    if org is None:
        raise ServiceError(_l("This join code is not valid. Check it with your teacher or unit."), field="join_code")
    data.org = org
    data.kind = kind_for_unit(org) or data.kind or "citizen"
    user = create_user(data)
    user.last_login_at = utcnow()
    record_audit(user, "user.register", target=user, org=org, join_code=join_code.upper())
    return user


def update_profile(user: User, *, full_name: str, email: str | None, phone: str | None,
                   date_of_birth: date | None, locale: str | None, actor=None, kind: str | None = None) -> User:
    """Save a person's own details (profile page) or an admin's edit of them. ``kind`` (one of
    USER_KINDS; None keeps it) lets learners correct what their join code made them, e.g. a
    teacher who joined with a class code. Raises ServiceError naming the field refused;
    audited as "user.update" when ``actor`` is someone else. Flushes."""
    data = NewUser(username=user.username, full_name=person_name(full_name), kind=kind or user.kind,
                   email=nfc(email) or None, phone=normalise_phone(phone), date_of_birth=date_of_birth)
    problems = user_field_problems(data)
    if problems:
        field, message = next(iter(problems.items()))
        raise ServiceError(message, field=field)
    changes = {}
    for field in ("full_name", "kind", "email", "phone", "date_of_birth"):
        value = getattr(data, field)
        if getattr(user, field) != value:
            changes[field] = True
            setattr(user, field, value)
    if locale is not None:
        user.locale = locale
    db.session.flush()
    if changes and actor is not None and actor.id != user.id:
        record_audit(actor, "user.update", target=user, org=user.org, fields=sorted(changes))
    return user


def grant_role(actor, user: User, role: str, org: Organization | None = None, contest_id: int | None = None) -> RoleAssignment:
    """Give ``user`` the ``role`` at this scope (a unit, a contest, or neither for a global
    role), as ``actor``; returns the new or existing assignment. Raises ServiceError (field
    "role" or "org_code") when the role is malformed for the scope, when ``actor`` may not
    grant it there (``lms.access.rules.can_grant_role``) or when ``actor`` is ``user``:
    nobody grants himself a role, admins included (``rules.may_change_roles_of``)."""
    if role not in ROLES:
        raise ServiceError(_l("Unknown role %(role)s.", role=role), field="role")
    if role in rules.GLOBAL_ROLES and actor is not None and not rules.is_admin(grants_of(actor)):
        # Said first: telling a manager to "leave the unit empty" only led to a second refusal.
        raise ServiceError(_l("Only an admin grants this role: it reaches the whole platform."), field="role")
    shape = rules.grant_shape_problem(role, org.path if org else None, contest_id)
    if shape == "global_only" and role == "author":
        raise ServiceError(_l("Content authors edit every question bank and course of the platform, so the role "
                              "is global and only an admin grants it: leave the unit empty."), field="org_code")
    if shape == "global_only":
        raise ServiceError(_l("Admin is a global role; leave the organisation empty."), field="org_code")
    if shape == "needs_org":
        raise ServiceError(_l("The role %(role)s needs an organisation.", role=ROLE_LABELS[role]), field="org_code")
    if shape == "needs_contest":
        raise ServiceError(_l("The role %(role)s needs a contest.", role=ROLE_LABELS[role]), field="role")
    if actor is not None and not rules.may_change_roles_of(actor.id, user.id):
        raise ServiceError(_l("You cannot grant a role to yourself: ask another admin."), field="role")
    if not rules.can_grant_role(grants_of(actor), role, org.path if org else None, contest_id):
        raise ServiceError(_l("You may not grant this role here."), field="role")
    _check_may_change_unit_roles(actor, user, role)
    org_match = RoleAssignment.org_id == org.id if org else RoleAssignment.org_id.is_(None)
    contest_match = (RoleAssignment.contest_id == contest_id) if contest_id else RoleAssignment.contest_id.is_(None)
    existing = db.session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id, RoleAssignment.role == role, org_match, contest_match
        )
    )
    if existing is not None:
        return existing
    assignment = RoleAssignment(user=user, role=role, org=org, contest_id=contest_id,
                                granted_by_id=getattr(actor, "id", None))
    db.session.add(assignment)
    db.session.flush()
    record_audit(actor, "role.grant", target=user, org=org, role=role,
                 org_code=org.code if org else None, contest_id=contest_id)
    return assignment


def _check_may_change_unit_roles(actor, user: User, role: str) -> None:
    """Changing someone's unit roles is acting on the account: it needs scope over every role
    the account already holds (``lms.access.rules.can_act_on_account``), so a school manager
    cannot reshape the roles of a teacher who organises a contest or manages another unit.
    Contest roles are exempt: an organiser appoints judges without scope over their units.
    Raises ServiceError (field "role")."""
    from lms.access.adapters import can_act_on_user

    if actor is not None and role in rules.ORG_ROLES and not can_act_on_user(actor, user):
        raise ServiceError(_l("This account holds a role beyond your units: only an admin may change its roles."),
                           field="role")


def revoke_role(actor, assignment: RoleAssignment) -> None:
    """Remove a role; the same rule as granting it, and never one's own role."""
    org = assignment.org
    if actor is not None and not rules.may_change_roles_of(actor.id, assignment.user_id):
        raise ServiceError(_l("You cannot remove your own role: ask another admin."))
    if not rules.can_grant_role(grants_of(actor), assignment.role, org.path if org else None, assignment.contest_id):
        raise ServiceError(_l("You may not revoke this role."))
    _check_may_change_unit_roles(actor, assignment.user, assignment.role)
    if assignment.role == "admin":
        admins = db.session.scalar(select(func.count()).where(RoleAssignment.role == "admin"))
        if admins <= 1:
            raise ServiceError(_l("The last admin cannot be removed."))
    user = assignment.user
    record_audit(actor, "role.revoke", target=user, org=org, role=assignment.role,
                 org_code=org.code if org else None, contest_id=assignment.contest_id)
    db.session.delete(assignment)
    db.session.flush()
