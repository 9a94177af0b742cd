"""The organisation tree: browse, create, edit, move, merge, join codes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from lms.access.adapters import (
    can_manage_org,
    can_restructure_org,
    grants_of,
    is_admin,
    org_scope_filter,
)
from lms.access.rules import STRUCTURE_ROLES, scope_paths
from lms.access.web import check, requires
from lms.auth.models import User
from lms.core.errors import NotFound, ServiceError
from lms.core.text import fold
from lms.extensions import db
from lms.orgs import join, services
from lms.orgs.forms import MergeForm, MoveForm, OrgForm, error_messages, kind_choices
from lms.orgs.models import HeadcountChange, Organization

bp = Blueprint("orgs", __name__, url_prefix="/admin/orgs")


@bp.app_context_processor
def _unit_pickers():
    """``units_for_picker(kinds=None)`` in every template: the units the signed-in person
    manages, for a select instead of a typed code (templates/orgs/_unit_picker.html). A
    function, so only the pages that show a picker run its query."""

    def units_for_picker(kinds=None) -> services.UnitPicker:
        return services.unit_picker(None if is_admin(current_user) else scope_paths(grants_of(current_user)), kinds)

    return {"units_for_picker": units_for_picker}


def _org(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None or not can_manage_org(current_user, org):
        abort(404)
    return org


def _org_to_restructure(org_id: int) -> Organization:
    """The unit ``org_id`` for creating under it, editing or moving it: 404 when the viewer
    does not see it, 403 when they see it but may not reshape it (a teacher's class)."""
    org = _org(org_id)
    check("orgs.structure", current_user, org)
    return org


def _people_counts(orgs) -> dict[int, int]:
    ids = [o.id for o in orgs]
    counts: dict[int, int] = {}
    for start in range(0, len(ids), 900):
        counts.update(db.session.execute(
            select(User.org_id, func.count(User.id)).where(User.org_id.in_(ids[start:start + 900]),
                                                           User.deleted_at.is_(None)).group_by(User.org_id)).all())
    return counts


@bp.get("/")
@requires("orgs.manage")
def index():
    """The tree in one query, indented; admins see everything, others their subtrees."""
    show_inactive = request.args.get("all") == "1"
    q = (request.args.get("q") or "").strip()
    stmt = select(Organization).order_by(Organization.path)
    if not is_admin(current_user):

        stmt = stmt.where(org_scope_filter(current_user, Organization.path))
    if not show_inactive:
        stmt = stmt.where(Organization.active.is_(True))
    orgs = list(db.session.scalars(stmt))
    if q:
        needle = fold(q)
        matches = {o.id for o in orgs if needle in fold(o.name) or needle in o.code.lower()}
        keep = set()
        for o in orgs:
            if o.id in matches:
                keep.update(o.ancestor_ids + [o.id])
        orgs = [o for o in orgs if o.id in keep]
    return render_template("orgs/index.html", tree=services.build_tree(orgs), counts=_people_counts(orgs),
                           q=q, show_inactive=show_inactive, can_create_top=is_admin(current_user),
                           kind_choices=kind_choices)


@bp.get("/<int:org_id>")
@requires("orgs.manage")
def detail(org_id):
    org = _org(org_id)
    chain = list(db.session.scalars(select(Organization).where(Organization.id.in_(org.ancestor_ids)).order_by(Organization.depth)))
    children = list(db.session.scalars(select(Organization).where(Organization.parent_id == org.id).order_by(Organization.name)))
    people = db.session.scalar(select(func.count(User.id)).join(Organization, Organization.id == User.org_id)
                               .where(services.subtree_clause(org.path), User.deleted_at.is_(None)))
    form = OrgForm(obj=org)
    history = list(db.session.execute(
        select(HeadcountChange.effective_at, HeadcountChange.headcount, User.username)
        .outerjoin(User, User.id == HeadcountChange.actor_id).where(HeadcountChange.org_id == org.id)
        .order_by(HeadcountChange.effective_at.desc(), HeadcountChange.id.desc()).limit(20)))
    return render_template("orgs/detail.html", org=org, chain=chain, children=children, people=people,
                           headcount_history=history,
                           form=form, child_form=OrgForm(prefix="child", formdata=None), move_form=MoveForm(),
                           merge_form=MergeForm(), is_admin=is_admin(current_user),
                           can_restructure=can_restructure_org(current_user, org),
                           visible_chain=[c for c in chain if can_manage_org(current_user, c)],
                           counts=_people_counts(children), kind_label=dict(kind_choices()).get(org.kind, org.kind),
                           join_tools=_join_tools(org))


def _join_tools(org: Organization) -> dict | None:
    """The short link of the unit's join code and its QR code (inline SVG), or None without
    a code. The SVG is segno's, from the link alone; its title is escaped by segno."""
    if not org.join_code:
        return None
    link = join.join_link(org.join_code)
    title = _("QR code of the link to join %(name)s", name=org.name)
    # Shown in two pieces, the site and "/j/CODE", so that a narrow screen breaks the line
    # between them rather than inside the code; the poster leaves out "https://".
    site, _sep, code = link.rpartition("/j/")
    return {"link": link, "link_parts": [site, "/j/" + code], "site": site.split("://", 1)[-1],
            "qr": Markup(join.qr_svg(link, title))}


@bp.get("/<int:org_id>/join-poster")
@requires("orgs.manage")
def join_poster(org_id):
    """The join code for a projector or a printed sheet: the code, its QR code and short link
    in large print, without the site's menus."""
    org = _org(org_id)
    tools = _join_tools(org)
    if tools is None:
        flash(_("This unit has no join code: create one first."), "error")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/join_poster.html", org=org, join_tools=tools,
                           parent=org.parent if org.parent is not None and org.parent.active else None)


def _fail(err, org_id):
    db.session.rollback()
    flash(str(err), "error")
    return redirect(url_for("orgs.detail", org_id=org_id))


@bp.post("/<int:org_id>/edit")
@requires("orgs.structure")
def edit(org_id):
    org = _org_to_restructure(org_id)
    form = OrgForm()
    admin = is_admin(current_user)
    if not admin:  # only admins see (and change) the code: rosters and join links refer to it
        del form.code
    if not form.validate():
        return _fail(" ".join(error_messages(form)), org.id)
    code = form.code.data if admin else org.code
    try:
        services.update_org(org, name=form.name.data, kind=form.kind.data, headcount=form.headcount.data,
                            code=code, short_name=form.short_name.data, actor=current_user)
    except ServiceError as err:
        return _fail(err, org.id)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("orgs.detail", org_id=org.id))


@bp.post("/new")
@bp.post("/<int:org_id>/children")
@requires("orgs.structure")
def create(org_id=None):
    parent = _org_to_restructure(org_id) if org_id is not None else None
    if parent is None and not is_admin(current_user):
        abort(404)
    form = OrgForm(prefix="child" if parent else "")
    if not form.validate():
        if parent is None:
            flash(" ".join(error_messages(form)), "error")
            return redirect(url_for("orgs.index"))
        return _fail(" ".join(error_messages(form)), org_id)
    try:
        org = services.create_org(form.code.data, form.name.data, form.kind.data, parent=parent,
                                  headcount=form.headcount.data, short_name=form.short_name.data, actor=current_user)
    except ServiceError as err:
        if parent is None:
            db.session.rollback()
            flash(str(err), "error")
            return redirect(url_for("orgs.index"))
        return _fail(err, org_id)
    db.session.commit()
    flash(_("Unit %(code)s created.", code=org.code), "success")
    return redirect(url_for("orgs.detail", org_id=org.id))


@bp.post("/<int:org_id>/move")
@requires("orgs.structure")
def move(org_id):
    org = _org_to_restructure(org_id)
    form = MoveForm()
    form.validate()
    code = (form.parent_code.data or "").strip()
    new_parent = None
    if code:
        try:
            new_parent = services.get_org_by_code(code)
        except NotFound as err:
            return _fail(err, org.id)
        if not can_restructure_org(current_user, new_parent):
            return _fail(_("You can only move a unit within the units you manage."), org.id)
    elif not is_admin(current_user):
        return _fail(_("Only an admin can make a unit top-level."), org.id)
    # A manager may not move the root of their own scope (it would leave their scope).
    if not is_admin(current_user) and org.path in scope_paths(grants_of(current_user), STRUCTURE_ROLES):
        return _fail(_("Ask an admin to move the unit you manage."), org.id)
    try:
        services.move_org(org, new_parent, actor=current_user)
    except ServiceError as err:
        return _fail(err, org.id)
    db.session.commit()
    flash(_("Unit moved; its people and records moved with it."), "success")
    return redirect(url_for("orgs.detail", org_id=org.id))


@bp.route("/<int:org_id>/merge", methods=["POST"])
@requires("orgs.structure")
def merge(org_id):
    if not is_admin(current_user):
        abort(404)
    org = _org(org_id)
    form = MergeForm()
    if not form.validate():
        return _fail(_("Give the code of the unit to merge into."), org.id)
    try:
        target = services.get_org_by_code(form.target_code.data)
    except NotFound as err:
        return _fail(err, org.id)
    if request.form.get("confirm") != "yes":
        children = db.session.scalar(select(func.count(Organization.id)).where(Organization.parent_id == org.id))
        people = db.session.scalar(select(func.count(User.id)).where(User.org_id == org.id))
        return render_template("orgs/merge_confirm.html", org=org, target=target, children=children,
                               people=people, form=form)
    try:
        services.merge_org(org, target, actor=current_user)
    except ServiceError as err:
        return _fail(err, org.id)
    db.session.commit()
    flash(_("%(source)s was merged into %(target)s.", source=org.name, target=target.name), "success")
    return redirect(url_for("orgs.detail", org_id=target.id))


@bp.post("/<int:org_id>/join-code")
@requires("orgs.manage")
def join_code(org_id):
    org = _org(org_id)
    if request.form.get("action") == "disable":
        services.disable_join_code(org, actor=current_user)
        flash(_("Join code disabled: nobody can join with it any more."), "success")
    else:
        services.regenerate_join_code(org, actor=current_user)
        flash(_("New join code created; the old one no longer works."), "success")
    db.session.commit()
    return redirect(url_for("orgs.detail", org_id=org.id))
