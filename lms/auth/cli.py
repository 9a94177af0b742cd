"""`lms create-user`, `lms grant-role`, `lms revoke-role`, `lms reset-password`.

Commands run as the operator (no scope limits); every change is audit-logged with via=cli.
What they print goes through the catalogue: the command line speaks the default language
(Vietnamese), as lms.core.setup.select_locale decides outside a request.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# The fields create_user may refuse, as the operator reads them.
FIELD_LABELS = {"username": _l("Username"), "full_name": _l("Full name"), "email": _l("Email"),
                "phone": _l("Phone"), "kind": _l("Kind"), "password": _l("Password"), "org": _l("Unit")}


def _fail(message: str, code: int = 1):
    click.echo(message, err=True)
    sys.exit(code)


def _user(username: str):
    from sqlalchemy import select

    from lms.auth.models import User
    from lms.extensions import db

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        _fail(_("No account %(username)s.", username=username), 2)
    return user


def _org(code):
    from lms.core.errors import NotFound
    from lms.orgs.services import get_org_by_code

    try:
        return get_org_by_code(code) if code else None
    except NotFound as err:
        _fail(str(err), 2)


@click.command("create-user")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name with diacritics.")
@click.option("--org", "org_code")
@click.option("--kind", type=click.Choice(["civil_servant", "student", "citizen"]), default="civil_servant")
@click.option("--admin", is_flag=True, help="Grant the admin role.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@with_appcontext
def create_user_command(username, full_name, org_code, kind, admin, password_stdin):
    """Create an account (asks for its password)."""
    from lms.audit.services import record_audit
    from lms.auth.models import RoleAssignment
    from lms.auth.services import NewUser, create_user
    from lms.core.errors import ServiceError
    from lms.extensions import db

    password = sys.stdin.readline().rstrip("\n") if password_stdin else \
        click.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Repeat the password"))
    try:
        user = create_user(NewUser(username=username, full_name=full_name, kind=kind, org=_org(org_code),
                                   password=password))
    except ServiceError as err:
        db.session.rollback()
        _fail(f"{FIELD_LABELS[err.field]}: {err}" if err.field in FIELD_LABELS else str(err))
    record_audit(None, "user.create", target=user, org=user.org, username=user.username, via="cli")
    if admin:
        db.session.add(RoleAssignment(user=user, role="admin"))
        record_audit(None, "role.grant", target=user, role="admin", via="cli")
    db.session.commit()
    click.echo(_("Account %(username)s created, with the admin role.", username=user.username) if admin
               else _("Account %(username)s created.", username=user.username))


def _grant_or_revoke(username, role, org_code, grant: bool):
    from sqlalchemy import select

    from lms.audit.services import record_audit
    from lms.auth.models import ROLES, RoleAssignment
    from lms.extensions import db

    if role not in ROLES:
        _fail(_("Unknown role %(role)s (one of %(roles)s).", role=role, roles=", ".join(ROLES)), 2)
    from lms.access.rules import CONTEST_ROLES, grant_shape_problem

    user, org = _user(username), _org(org_code)
    if role in CONTEST_ROLES:
        _fail(_("The role %(role)s belongs to one contest: appoint it from the contest's pages.", role=role), 2)
    shape = grant_shape_problem(role, org.path if org else None, None)
    if grant and shape == "global_only":
        _fail(_("The role %(role)s is global (it reaches every unit's content): leave out --org.", role=role), 2)
    if shape == "needs_org":
        _fail(_("The role %(role)s needs --org.", role=role), 2)
    org_match = RoleAssignment.org_id == org.id if org else RoleAssignment.org_id.is_(None)
    existing = db.session.scalar(select(RoleAssignment).where(
        RoleAssignment.user_id == user.id, RoleAssignment.role == role, org_match))
    if grant:
        if existing is None:
            db.session.add(RoleAssignment(user=user, role=role, org=org))
        record_audit(None, "role.grant", target=user, org=org, role=role, org_code=org_code, via="cli")
    else:
        if existing is None:
            _fail(_("%(username)s does not have the role %(role)s on %(org)s.", username=username, role=role,
                    org=org_code) if org_code else
                  _("%(username)s does not have the role %(role)s.", username=username, role=role))
        db.session.delete(existing)
        record_audit(None, "role.revoke", target=user, org=org, role=role, org_code=org_code, via="cli")
    db.session.commit()


@click.command("grant-role")
@click.argument("username")
@click.argument("role")
@click.option("--org", "org_code")
@with_appcontext
def grant_role_command(username, role, org_code):
    """Give USERNAME a ROLE: admin and author are global; manager and teacher need --org.
    The operator's command line is the one place a person may be given a role without
    another admin (for the first admin)."""
    _grant_or_revoke(username, role, org_code, True)
    from lms.core.i18n import label

    shown = label(role, "role")
    click.echo(_("%(username)s is now %(role)s of %(org)s.", username=username, role=shown, org=org_code) if org_code
               else _("%(username)s is now %(role)s.", username=username, role=shown))


@click.command("revoke-role")
@click.argument("username")
@click.argument("role")
@click.option("--org", "org_code")
@with_appcontext
def revoke_role_command(username, role, org_code):
    """Remove a role."""
    _grant_or_revoke(username, role, org_code, False)
    from lms.core.i18n import label

    click.echo(_("Role %(role)s removed from %(username)s.", role=label(role, "role"), username=username))


@click.command("reset-password")
@click.argument("username")
@with_appcontext
def reset_password_command(username):
    """Replace the password by a one-time code (printed) that must be changed at sign-in."""
    from lms.audit.services import record_audit
    from lms.auth.services import issue_one_time_code
    from lms.extensions import db

    user = _user(username)
    code = issue_one_time_code(user)
    record_audit(None, "user.one_time_code", target=user, org=user.org, via="cli")
    db.session.commit()
    click.echo(_("One-time code for %(username)s: %(code)s", username=user.username, code=code))


commands = [create_user_command, grant_role_command, revoke_role_command, reset_password_command]
