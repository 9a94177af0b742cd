"""Authors' pages: banks, import and export, item statistics, regrading; learners' practice."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from lms.access.web import requires
from lms.core.errors import NotFound, ServiceError
from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.forms import ImportQuestionsForm
from lms.quizzes.models import Question, QuestionBank, QuestionVersion
from lms.quizzes.types import REGISTRY

bp = Blueprint("quiz_admin", __name__, url_prefix="/quizzes")

EXPORT_TYPES = {"md": "text/markdown", "gift": "text/plain",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "aiken": "text/plain"}
# File names our importer recognises again (services.detect_format).
EXPORT_SUFFIXES = {"md": "md", "gift": "gift", "xlsx": "xlsx", "aiken": "aiken.txt"}


def _bank(slug):
    try:
        return services.get_bank(slug)
    except NotFound:
        abort(404)


@bp.get("/banks")
@requires("quizzes.author")
def banks():
    counts = dict(db.session.execute(
        select(Question.bank_id, func.count(Question.id)).where(Question.active.is_(True)).group_by(Question.bank_id)
    ).all())
    rows = list(db.session.scalars(select(QuestionBank).order_by(QuestionBank.slug)))
    return render_template("quizzes/banks.html", banks=rows, counts=counts)


@bp.get("/banks/<slug>")
@requires("quizzes.author")
def bank(slug):
    bank = _bank(slug)
    versions = services.current_versions(bank)
    sealed = None
    try:
        stats = services.bank_item_stats(bank, current_user)
    except services.Sealed as err:
        stats, sealed = {}, err
    version_counts = dict(db.session.execute(
        select(QuestionVersion.question_id, func.count(QuestionVersion.id))
        .join(Question, Question.id == QuestionVersion.question_id).where(Question.bank_id == bank.id)
        .group_by(QuestionVersion.question_id)).all())
    return render_template("quizzes/bank.html", bank=bank, versions=versions, stats=stats,
                           version_counts=version_counts, settings=services.bank_settings(bank), registry=REGISTRY,
                           sealed=sealed)


@bp.post("/banks/<slug>/questions/<int:question_id>/regrade")
@requires("quizzes.author")
def regrade(slug, question_id):
    bank = _bank(slug)
    question = db.session.get(Question, question_id)
    if question is None or question.bank_id != bank.id:
        abort(404)
    try:
        report = services.regrade_question(current_user, question)
    except ServiceError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("quiz_admin.bank", slug=slug))
    db.session.commit()
    # The report is a page of its own: reloading it must not ask to post the regrade again.
    return redirect(url_for("quiz_admin.regrade_result", slug=slug, regrade_id=report.id))


@bp.get("/banks/<slug>/regrades/<int:regrade_id>")
@requires("quizzes.author")
def regrade_result(slug, regrade_id):
    bank = _bank(slug)
    try:
        question, report = services.regrade_report(bank, regrade_id, current_user)
    except NotFound:
        abort(404)
    except services.Sealed as err:
        flash(str(err), "error")
        return redirect(url_for("quiz_admin.bank", slug=slug))
    return render_template("quizzes/regrade.html", bank=bank, question=question, report=report)


@bp.route("/banks/import", methods=["GET", "POST"])
@requires("quizzes.author")
def import_questions():
    form = ImportQuestionsForm(bank=request.args.get("bank", ""))
    parsed = report = None
    fmt = counts = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            fmt, parsed, report = services.import_questions(
                current_user, form.bank.data, upload.filename, upload.read(), form.format.data, form.replace.data,
                skip_essays=form.skip_essays.data)
        except ServiceError as err:
            db.session.rollback()
            form.bank.errors.append(str(err))
        else:
            if report is None:
                db.session.rollback()
            else:
                db.session.commit()
                counts = services.type_counts(parsed.questions)
                flash(_("Imported %(n)d question(s) into %(bank)s.", n=len(parsed.questions), bank=form.bank.data), "success")
    from lms.quizzes.formats.common import FORMAT_NAMES

    return render_template("quizzes/import.html", form=form, parsed=parsed, report=report,
                           format_name=FORMAT_NAMES.get(fmt, fmt), counts=counts)


@bp.get("/banks/template.xlsx")
@requires("quizzes.author")
def template():
    from lms.quizzes.formats.xlsx import build_template

    return Response(build_template(), mimetype=EXPORT_TYPES["xlsx"],
                    headers={"Content-Disposition": "attachment; filename=mau-cau-hoi.xlsx"})


@bp.get("/banks/<slug>/export.<fmt>")
@requires("quizzes.author")
def export(slug, fmt):
    """The bank as a file. When the format cannot carry everything, a page first lists what
    would be lost, with a link to download anyway (``?anyway=1``) or to pick another format."""
    from lms.audit.services import record_audit
    from lms.quizzes.formats.common import FORMAT_NAMES, group_losses

    bank = _bank(slug)
    if fmt not in EXPORT_TYPES:
        abort(404)
    losses: list = []
    try:
        data = services.export_bank(bank.slug, fmt, current_user, losses)
    except services.Sealed as err:
        flash(str(err), "error")
        return redirect(url_for("quiz_admin.bank", slug=slug))
    if losses and request.args.get("anyway") != "1":
        return render_template("quizzes/export.html", bank=bank, fmt=fmt, format_name=FORMAT_NAMES[fmt],
                               groups=group_losses(losses), left_out=sum(1 for loss in losses if loss.skipped),
                               formats=FORMAT_NAMES)
    record_audit(current_user, "quiz.export", target=bank, bank=slug, format=fmt, lost=len(losses))
    db.session.commit()
    return Response(data, mimetype=EXPORT_TYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename={slug}.{EXPORT_SUFFIXES[fmt]}"})
