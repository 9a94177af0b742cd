"""The public short link of a join code: ``/j/<CODE>`` opens registration with the code filled
in; a code that was changed, switched off or mistyped gets a page that says so."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from lms.access.web import requires
from lms.orgs.services import JOIN_CODE_LENGTH, find_org_by_join_code

bp = Blueprint("join", __name__)


@bp.get("/j/<code>")
@requires("public")
def short_link(code):
    """Registration with the code filled in (the code as stored: upper case, no dashes), or
    404 with an explanation and a box to type another code. Nothing else is said about an
    unknown code: the page is the same for a code that never existed."""
    org = find_org_by_join_code(code)
    if org is None:
        return render_template("orgs/join_link_dead.html", code=code[:JOIN_CODE_LENGTH * 2]), 404
    return redirect(url_for("auth.register", code=org.join_code))
