"""People and roles: lists, details, edits, one-time codes, login slips. Every query is
limited to the viewer's scope; anything outside answers 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.access import rules
from lms.access.adapters import (
    can_act_on_user,
    can_manage_org,
    grants_of,
    is_admin,
    org_scope_filter,
)
from lms.access.rules import scope_paths
from lms.access.web import check, requires
from lms.audit.services import record_audit
from lms.auth import services, slips
from lms.auth.admin_forms import (
    GrantRoleForm,
    LoginSlipsForm,
    NewPersonForm,
    PersonForm,
)
from lms.auth.models import ROLE_LABELS, ROLES, RoleAssignment, User
from lms.core.errors import NotFound, ServiceError
from lms.core.mail import mail_enabled
from lms.core.text import fold
from lms.core.timeutil import utcnow
from lms.core.urls import public_base_url
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import get_org_by_code, subtree_clause, unit_picker
from lms.reports.classes import given_name_page

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _person(user_id: int, *, act: bool = True) -> User:
    """The account ``user_id`` if the viewer may act on it (``users.act_on``: scope over its
    home unit and every role it holds), or only see it (``act=False``: its home unit is in
    the viewer's subtree); 404 otherwise."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        abort(404)
    if act:
        check("users.act_on", current_user, user)
    elif not (is_admin(current_user) or (not user.is_admin and can_manage_org(current_user, user.org))):
        abort(404)
    return user


def _org_in_scope(code: str) -> Organization:
    try:
        org = get_org_by_code(code)
    except NotFound as err:
        raise ServiceError(err.message, field="org_code") from None
    if not can_manage_org(current_user, org):
        raise ServiceError(_("Unit %(code)s is outside the units you manage.", code=code), field="org_code")
    return org


@bp.get("/")
@requires("people.manage")
def index():
    q = (request.args.get("q") or "").strip()
    kind = request.args.get("kind") or ""
    org_code = (request.args.get("org") or "").strip()
    stmt = (select(User).outerjoin(Organization, Organization.id == User.org_id)
            .where(User.deleted_at.is_(None))
            .options(joinedload(User.org), selectinload(User.roles)))
    if not is_admin(current_user):
        stmt = stmt.where(org_scope_filter(current_user, Organization.path))
    scope_org = None
    if org_code:
        scope_org = db.session.scalar(select(Organization).where(Organization.code == org_code))
        if scope_org is None or not can_manage_org(current_user, scope_org):
            abort(404)
        stmt = stmt.where(subtree_clause(scope_org.path))
    if kind in ("civil_servant", "student", "citizen"):
        stmt = stmt.where(User.kind == kind)
    if q:
        needle = fold(q)
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(or_(User.name_search.like(f"%{escaped}%", escape="\\"),
                              User.username.like(f"%{escaped}%", escape="\\"),
                              User.email.ilike(f"%{q}%")))
    # A class is listed by given name (tên, then họ đệm), as on paper; other lists by full name.
    sort = request.args.get("sort")
    if sort not in ("given", "full"):
        sort = "given" if scope_org is not None and scope_org.kind == "class" else "full"
    if sort == "given":
        page = given_name_page(stmt, request.args.get("page", 1, type=int), per_page=50)
    else:
        page = db.paginate(stmt.order_by(User.name_search, User.id), per_page=50, error_out=False)
    return render_template("users/index.html", page=page, q=q, kind=kind, org_code=org_code, scope_org=scope_org,
                           sort=sort)


@bp.get("/<int:user_id>")
@requires("people.manage")
def detail(user_id):
    user = _person(user_id, act=False)
    form = PersonForm(obj=user, org_code=user.org.code if user.org else "")
    grant_form = GrantRoleForm()
    grant_form.role.choices = [(r, ROLE_LABELS[r]) for r in ROLES if _may_offer(r)]
    grants = grants_of(current_user)
    can_act = can_act_on_user(current_user, user)
    return render_template("users/detail.html", user=user, form=form, grant_form=grant_form, role_labels=ROLE_LABELS,
                           can_act=can_act, own=user.id == current_user.id, contests=_contest_titles(user),
                           can_revoke=lambda a: can_act and rules.can_grant_role(
                               grants, a.role, a.org.path if a.org else None, a.contest_id))


def _contest_titles(user) -> dict[int, str]:
    """{contest id: title} of the contests ``user`` organises or judges: a role names its
    contest, not its number."""
    from lms.contests.models import Contest

    ids = {a.contest_id for a in user.roles if a.contest_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Contest.id, Contest.title).where(Contest.id.in_(ids))).all())


def _may_offer(role: str) -> bool:
    grants = grants_of(current_user)
    if role in rules.CONTEST_ROLES:
        return False  # granted from the contest's own page
    if rules.is_admin(grants):
        return True
    return any(rules.can_grant_role(grants, role, g.org_path) for g in grants if g.org_path is not None)


def _back(user_id, message=None, category="error"):
    if message:
        flash(message, category)
    return redirect(url_for("users.detail", user_id=user_id))


@bp.post("/<int:user_id>/edit")
@requires("users.act_on")
def edit(user_id):
    user = _person(user_id)
    form = PersonForm()
    if not form.validate():
        return _back(user.id, " ".join(e for errs in form.errors.values() for e in errs))
    try:
        org = _org_in_scope(form.org_code.data)
        if org.id != user.org_id:
            record_audit(current_user, "user.move", target=user, org=org,
                         from_org=user.org.code if user.org else None, to_org=org.code)
            user.org = org
        # "As the unit implies" (no choice) takes the unit's kind; a kind chosen stands.
        user.kind = services.kind_in_unit(org, form.kind.data, user.kind)
        services.update_profile(user, full_name=form.full_name.data, email=form.email.data, phone=form.phone.data,
                                date_of_birth=form.date_of_birth.data, locale=None, actor=current_user)
    except ServiceError as err:
        db.session.rollback()
        return _back(user.id, str(err))
    db.session.commit()
    return _back(user.id, _("Saved."), "success")


@bp.post("/<int:user_id>/active")
@requires("users.act_on")
def toggle_active(user_id):
    user = _person(user_id)
    if user.id == current_user.id:
        return _back(user.id, _("You cannot deactivate your own account."))
    user.active = not user.active
    record_audit(current_user, "user.activate" if user.active else "user.deactivate", target=user, org=user.org)
    db.session.commit()
    return _back(user.id, _("Account reactivated.") if user.active else _("Account deactivated: it can no longer sign in."),
                 "success")


@bp.post("/<int:user_id>/one-time-code")
@requires("users.act_on")
def reset_password(user_id):
    user = _person(user_id)
    code = services.issue_one_time_code(user, actor=current_user)
    db.session.commit()
    return render_template("users/one_time_code.html", user=user, code=code)


@bp.post("/<int:user_id>/roles")
@requires("roles.grant")
def grant(user_id):
    user = _person(user_id, act=False)
    form = GrantRoleForm()
    form.role.choices = [(r, r) for r in ROLES]
    if not form.validate():
        return _back(user.id, _("Choose a role."))
    try:
        org = _org_in_scope(form.org_code.data) if form.org_code.data else None
        services.grant_role(current_user, user, form.role.data, org)
    except ServiceError as err:
        db.session.rollback()
        return _back(user.id, str(err))
    db.session.commit()
    return _back(user.id, _("Role granted."), "success")


@bp.post("/<int:user_id>/roles/<int:assignment_id>/revoke")
@requires("roles.grant")
def revoke(user_id, assignment_id):
    user = _person(user_id, act=False)
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.user_id != user.id:
        abort(404)
    try:
        services.revoke_role(current_user, assignment)
    except ServiceError as err:
        db.session.rollback()
        return _back(user.id, str(err))
    db.session.commit()
    return _back(user.id, _("Role removed."), "success")


def _only_class_code() -> str:
    """The code of the viewer's only class, to preselect on the new-person form ("" when they
    manage no class or several): a teacher with one class adds people to it."""
    scope = None if is_admin(current_user) else scope_paths(grants_of(current_user))
    if scope is None:
        return ""
    classes = unit_picker(scope, kinds=("class",), limit=1)
    return next(iter(classes.codes)) if len(classes) == 1 else ""


@bp.route("/new", methods=["GET", "POST"])
@requires("people.manage")
def create():
    # The kind starts at "as the unit implies", not at the kind of the unit shown first: picking
    # another unit from the list must not carry a kind chosen for the first.
    form = NewPersonForm(org_code=request.args.get("org", "") or _only_class_code())
    if form.validate_on_submit():
        try:
            org = _org_in_scope(form.org_code.data)
            user = services.create_user(services.NewUser(
                username=form.username.data, full_name=form.full_name.data,
                kind=services.kind_in_unit(org, form.kind.data), org=org,
                email=form.email.data or None, phone=form.phone.data or None, date_of_birth=form.date_of_birth.data),
                actor=current_user)
        except ServiceError as err:
            db.session.rollback()
            getattr(form, err.field or "username", form.username).errors.append(str(err))
        else:
            db.session.commit()
            flash(_("Account %(u)s created. Give the person a one-time code to sign in.", u=user.username), "success")
            return redirect(url_for("users.detail", user_id=user.id))
    return render_template("users/new.html", form=form)


@bp.route("/login-slips", methods=["GET", "POST"])
@requires("users.act_on")
def login_slips():
    """One-time codes on slips to print and cut out, for the people of a unit who have no
    password of their own (lms.auth.slips). Submitting the unit shows who gets a slip and who
    keeps their password, and why; printing is a second, confirmed step."""
    form = LoginSlipsForm(org_code=request.args.get("org", ""))
    if form.validate_on_submit():
        try:
            org = _org_in_scope(form.org_code.data)
        except ServiceError as err:
            form.org_code.errors.append(str(err))
        else:
            plan = slips.plan_login_slips(current_user, org, bool(form.include_all.data))
            if request.form.get("confirm") != "yes" or not plan.slips:
                return render_template("users/login_slips_preview.html", form=form, plan=plan,
                                       own_password=plan.kept[slips.OWN_PASSWORD],
                                       signed_in=plan.kept[slips.SIGNED_IN], site=public_base_url(),
                                       can_reset=mail_enabled())
            printed = slips.print_login_slips(current_user, plan)
            db.session.commit()
            return render_template("users/login_slips.html", org=org, slips=printed, plan=plan,
                                   kept=len(plan.kept[slips.OWN_PASSWORD]) + len(plan.kept[slips.SIGNED_IN]),
                                   site=public_base_url(), issued_at=utcnow())
    return render_template("users/login_slips_form.html", form=form)
