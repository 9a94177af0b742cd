"""Roster import page: check first, show every problem with its row, then import."""

from __future__ import annotations

import io
import json
import re
import secrets
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.access.adapters import org_scope_filter
from lms.access.web import requires
from lms.core.cells import append_styled, csv_writer, new_workbook
from lms.core.files import private_tmp_dir, write_private
from lms.extensions import db
from lms.orgs.models import Organization
from lms.roster.forms import RosterUploadForm
from lms.roster.parsing import COLUMN_LABELS, column_label, parse_roster
from lms.roster.services import apply_plan, plan_import

bp = Blueprint("roster", __name__, url_prefix="/admin/roster")
# What secrets.token_urlsafe(16) gives (22 URL-safe base64 characters): the token names
# files in the instance folder, so nothing else may reach the file system (a 300-character
# token used to fail there with "file name too long", a 500).
_TOKEN_BYTES = 16
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{22}")

TEMPLATE_HEADERS = list(COLUMN_LABELS.values())
TEMPLATE_EXAMPLE = ["", "Nguyễn Thị Hoà", "HN-THPT-CVA-11A1", "học sinh", "01/05/2009", "0912345678", ""]


def _units():
    return list(db.session.scalars(select(Organization).where(
        Organization.active.is_(True), org_scope_filter(current_user, Organization.path)).order_by(Organization.path)))


def _pending(token: str, suffix: str) -> Path:
    """A roster waiting for confirmation holds names, birth dates and phone numbers: it is
    kept in the private temp folder (0700, files 0600) and swept after a day if never
    confirmed (lms.core.files)."""
    return private_tmp_dir() / f"roster-{token}{suffix}"


@bp.route("/", methods=["GET", "POST"])
@requires("people.manage")
def index():
    form = RosterUploadForm()
    units = _units()
    form.org_id.choices = [(0, _("— use the unit code column —"))] + [(u.id, f"{u.code} · {u.name}") for u in units]
    plan = result = None
    token = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        default_org = next((u for u in units if u.id == form.org_id.data), None)
        parsed = parse_roster(upload.filename, data, current_app.config["ROSTER_MAX_ROWS"])
        plan = plan_import(parsed, current_user, default_org)
        if plan.issues:
            db.session.rollback()
            if plan.rows:  # keep the file so the user can choose to import the valid rows
                token = secrets.token_urlsafe(_TOKEN_BYTES)
                write_private(_pending(token, ".bin"), data)
                write_private(_pending(token, ".json"), json.dumps({
                    "user_id": current_user.id, "filename": upload.filename,
                    "org_id": default_org.id if default_org else None}).encode())
        elif form.dry_run.data:
            db.session.rollback()
        else:
            result = apply_plan(plan, current_user, filename=upload.filename)
            db.session.commit()
            flash(_("Imported: %(c)d created, %(u)d updated, %(n)d unchanged.",
                    c=result.created, u=result.updated, n=result.unchanged), "success")
    return render_template("roster/index.html", form=form, plan=plan, result=result, token=token,
                           column_label=column_label)


@bp.post("/confirm/<token>")
@requires("people.manage")
def confirm(token):
    """Second step: import only the valid rows of a file that had problems."""
    if not _TOKEN_RE.fullmatch(token):
        abort(404)
    meta_path, data_path = _pending(token, ".json"), _pending(token, ".bin")
    if not meta_path.is_file():
        abort(404)
    meta = json.loads(meta_path.read_text())
    if meta["user_id"] != current_user.id:
        abort(404)
    default_org = db.session.get(Organization, meta["org_id"]) if meta["org_id"] else None
    parsed = parse_roster(meta["filename"], data_path.read_bytes(), current_app.config["ROSTER_MAX_ROWS"])
    plan = plan_import(parsed, current_user, default_org)
    result = apply_plan(plan, current_user, only_valid=True, filename=meta["filename"])
    db.session.commit()
    meta_path.unlink(missing_ok=True)
    data_path.unlink(missing_ok=True)
    flash(_("Imported the valid rows: %(c)d created, %(u)d updated, %(n)d unchanged; %(s)d row(s) skipped.",
            c=result.created, u=result.updated, n=result.unchanged, s=result.skipped_rows), "success")
    return redirect(url_for("roster.index"))


@bp.get("/template.<fmt>")
@requires("people.manage")
def template(fmt):
    if fmt == "csv":
        text = io.StringIO()
        writer = csv_writer(text, lineterminator="\r\n")
        writer.writerows([TEMPLATE_HEADERS, TEMPLATE_EXAMPLE])
        return Response("\ufeff" + text.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=mau-danh-sach.csv"})
    if fmt == "xlsx":
        from openpyxl.styles import Font

        workbook = new_workbook()
        sheet = workbook.create_sheet("Danh sách")
        for letter, width in zip("ABCDEFG", (18, 28, 22, 16, 14, 16, 28), strict=True):
            sheet.column_dimensions[letter].width = width
            # Text columns: Excel keeps what is typed (the 0 of 0912345678, a birth date as
            # written day first) instead of turning it into a number or a date.
            sheet.column_dimensions[letter].number_format = "@"
        sheet.freeze_panes = "A2"
        append_styled(sheet, TEMPLATE_HEADERS, font=Font(bold=True))
        sheet.append(TEMPLATE_EXAMPLE)
        out = io.BytesIO()
        workbook.save(out)
        return Response(out.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": "attachment; filename=mau-danh-sach.xlsx"})
    abort(404)
