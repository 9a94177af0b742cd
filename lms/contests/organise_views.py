"""Organiser pages: contest settings, rounds, organisers, duplicates, prizes and publication.

Admins create contests; a contest's organisers (role "organizer" for that contest) run it.
Everyone else gets 404, so a contest in preparation stays invisible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lms.access.adapters import is_admin
from lms.access.web import check, requires
from lms.audit.display import ACTION_LABELS
from lms.audit.models import AuditEvent
from lms.auth.models import RoleAssignment, User
from lms.auth.services import active_user_by_username
from lms.contests import awards as _awards  # noqa: F401 - registers the award document lookup
from lms.contests import organise, services
from lms.contests.models import Contest
from lms.contests.organise_forms import (
    FIELD_LABELS,
    FIELD_MODES,
    ContestForm,
    NewContestForm,
    OrganiserForm,
    PrizeForm,
    RoundForm,
    TrueCountForm,
    WithdrawForm,
    level_choices,
)
from lms.contests.ranking import PRIZES
from lms.contests.views import _round  # the same round lookup as the public pages
from lms.core.errors import ServiceError
from lms.core.i18n import label
from lms.core.timeutil import VN_OFFSET, to_vn, utcnow
from lms.core.urls import public_url_for
from lms.courses import services as course_services
from lms.extensions import db
from lms.orgs.models import Organization
from lms.quizzes.models import QuestionBank

bp = Blueprint("contest_admin", __name__, url_prefix="/contests/manage")

RESERVED_SLUGS = {"manage", "judging"}


def _managed(slug: str) -> Contest:
    contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
    if contest is None:
        abort(404)
    check("contests.organise", current_user, contest)
    return contest


def _fail(err: ServiceError, form=None) -> None:
    """Undo, and say why: beside the field it concerns when the form shows it, else flashed."""
    db.session.rollback()
    target = getattr(form, err.field, None) if (form is not None and err.field) else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, str(err)]
    else:
        flash(str(err), "error")


def _flash_form_errors(form) -> None:
    """For forms whose page is elsewhere (the view redirects): each error, with its field."""
    for name, errors in form.errors.items():
        for error in errors:
            if name in form:
                flash(_("%(field)s: %(error)s", field=form[name].label.text, error=error), "error")
            else:
                flash(str(error), "error")


@bp.route("/", methods=["GET", "POST"])
@requires("contests.organise")
def index():
    admin = is_admin(current_user)
    query = select(Contest).order_by(Contest.created_at.desc())
    if not admin:
        mine = select(RoleAssignment.contest_id).where(
            RoleAssignment.user_id == current_user.id, RoleAssignment.role == "organizer")
        query = query.where(Contest.id.in_(mine))
    contests = list(db.session.scalars(query))
    if not admin and not contests:
        abort(404)
    form = NewContestForm() if admin else None
    if form is not None and form.validate_on_submit():
        if form.slug.data in RESERVED_SLUGS:
            form.slug.errors.append(_("This name is reserved."))
        else:
            try:
                contest = services.create_contest(current_user, form.slug.data, form.title.data)
            except ServiceError as err:
                _fail(err)
            else:
                db.session.commit()
                return redirect(url_for(".contest", slug=contest.slug))
    return render_template("contests/manage/index.html", contests=contests, form=form)


# --- history of changes: logged names and ids, shown as the organiser knows them -------------

# The audit log's words (lms.audit.display.DETAIL_LABELS) for every logged name, except those
# that log an id the history shows by name.
CHANGE_LABELS = {
    "scope_org_id": _l("Eligible unit"), "bank_id": _l("Question bank"), "registration": _l("Participant"),
    "duplicate_of": _l("Same as registration"),
}
LONG_TEXTS = {"rules_md"}  # shown as "changed": the old and new rules would fill the page
PRIZE_COUNT_LABELS = {"first": _l("First prizes"), "second": _l("Second prizes"), "third": _l("Third prizes"),
                      "consolation": _l("Consolation prizes"), "collective": _l("Collective prizes")}


@dataclass
class Change:
    label: str
    old: str | None  # None: only the new value (or "changed") is shown
    new: str


class _Names:
    """Units, banks and participants named in a page of history, looked up once each."""

    def __init__(self, events: list[AuditEvent]):
        from lms.contests.models import Registration

        ids: dict[str, set[int]] = {"scope_org_id": set(), "bank_id": set(), "registration": set()}
        for event in events:
            detail = event.detail or {}
            changes, settings = detail.get("changes") or {}, detail.get("settings") or {}
            values = {"scope_org_id": changes.get("scope_org_id", []), "bank_id": [*changes.get("bank_id", []),
                                                                                    settings.get("bank_id")],
                      "registration": [detail.get("registration"), detail.get("duplicate_of")]}
            for name, found in values.items():
                ids[name].update(v for v in found if isinstance(v, int))

        def lookup(model, wanted, show):
            if not wanted:
                return {}
            return {row.id: show(row) for row in db.session.scalars(select(model).where(model.id.in_(wanted)))}

        self.known = {
            "scope_org_id": lookup(Organization, ids["scope_org_id"], lambda o: f"{o.name} ({o.code})"),
            "bank_id": lookup(QuestionBank, ids["bank_id"], lambda b: f"{b.title} ({b.slug})"),
            "registration": lookup(Registration, ids["registration"], lambda r: r.full_name),
        }
        self.known["duplicate_of"] = self.known["registration"]

    def show(self, name: str, value) -> str:
        if value is None or value == "" or value == {}:
            return "—"
        if name in self.known:
            return self.known[name].get(value, f"#{value}")
        if name == "status":
            return label(value, "contest_status")
        if name == "kind":
            return label(value, "round_kind")
        if name == "counting":
            return label(value, "round_counting")
        if name == "public_board":
            return label(value, "public_board")
        if name == "registration_fields" and isinstance(value, dict):
            modes = dict(FIELD_MODES)
            return ", ".join(f"{FIELD_LABELS.get(k, k)} ({str(modes['required' if v else 'optional']).lower()})"
                             for k, v in value.items())
        if name == "prize_settings" and isinstance(value, dict):
            levels = dict(level_choices())
            parts = [f"{PRIZE_COUNT_LABELS[k]}: {value[k]}" for k in PRIZE_COUNT_LABELS if k in value]
            if value.get("collective_level"):
                parts.append(str(levels.get(value["collective_level"], value["collective_level"])))
            return ", ".join(parts)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, dict):
            return ", ".join(f"{_change_label(k)}: {self.show(k, v)}" for k, v in value.items())
        return str(audit_value(value))


def _describe(event: AuditEvent, names: _Names) -> list[Change]:
    detail = event.detail or {}
    changes = detail.get("changes")
    if isinstance(changes, dict):
        shown = []
        for name, pair in changes.items():
            title = _change_label(name)
            if name in LONG_TEXTS:
                shown.append(Change(title, None, _("changed")))
            elif isinstance(pair, list | tuple) and len(pair) == 2:  # {name: [old, new]}, as _apply logs
                shown.append(Change(title, names.show(name, pair[0]), names.show(name, pair[1])))
            else:
                shown.append(Change(title, None, names.show(name, pair)))
        return shown
    return [Change(_change_label(name), None, names.show(name, value)) for name, value in detail.items()]


def _change_label(name: str) -> str:
    """The organiser's word for a logged name; the audit log's for the rest (judges, entries)."""
    return str(CHANGE_LABELS.get(name) or label(name, "audit_detail"))


def _history(contest: Contest) -> list[tuple[AuditEvent, list[Change]]]:
    events = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "contest", AuditEvent.target_id == contest.id)
        .order_by(AuditEvent.id.desc()).limit(100)))
    names = _Names(events)
    return [(event, _describe(event, names)) for event in events]


def _registration_names(ids: set[int]) -> dict[int, str]:
    from lms.contests.models import Registration

    if not ids:
        return {}
    return dict(db.session.execute(select(Registration.id, Registration.full_name)
                                   .where(Registration.id.in_(ids))).all())


@bp.route("/<slug>/", methods=["GET", "POST"])
@requires("contests.organise")
def contest(slug):
    contest = _managed(slug)
    form = ContestForm(obj=contest if request.method == "GET" else None)
    if contest.status == "published":  # kept as it is when the other settings are saved
        form.status.choices = [*form.status.choices, ("published", _("Published"))]
        form.status.description = _("Withdraw the results on the prizes page to change the status.")
    if request.method == "GET":
        scope = db.session.get(Organization, contest.scope_org_id) if contest.scope_org_id else None
        form.scope_code.data = scope.code if scope else ""
        for name in FIELD_LABELS:
            required = (contest.registration_fields or {}).get(name)
            getattr(form, name).data = "off" if required is None else ("required" if required else "optional")
    elif form.validate_on_submit():
        scope = None
        if form.scope_code.data:
            scope = db.session.scalar(select(Organization).where(Organization.code == form.scope_code.data.strip()))
            if scope is None:
                form.scope_code.errors.append(_("No unit has this code."))
        if not form.scope_code.errors:
            modes = form.field_modes()
            try:
                diff = organise.update_contest(
                    current_user, contest, title=form.title.data, rules_md=form.rules_md.data, scope=scope,
                    required_fields={n for n, m in modes.items() if m == "required"},
                    optional_fields={n for n, m in modes.items() if m == "optional"}, status=form.status.data,
                    public_board=form.public_board.data)
            except ServiceError as err:
                _fail(err, form)
            else:
                db.session.commit()
                flash(_("Saved (%(n)d change(s)).", n=len(diff)) if diff else _("Nothing changed."), "success")
                return redirect(url_for(".contest", slug=slug))
    organisers = list(db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == "organizer", RoleAssignment.contest_id == contest.id).order_by(User.full_name)))
    organiser_form = OrganiserForm(formdata=None) if is_admin(current_user) else None  # admins appoint organisers
    duplicates = services.flagged_duplicates(contest)
    # Each flagged registration names the earlier one it repeats (not its number).
    originals = _registration_names({r.duplicate_of_id for r in duplicates})
    return render_template("contests/manage/contest.html", contest=contest, form=form, organisers=organisers,
                           organiser_form=organiser_form, duplicates=duplicates, originals=originals,
                           history=_history(contest), labels=ACTION_LABELS, headcounts=_headcounts(contest))


HEADCOUNT_ROWS = 200  # a province has thousands of schools: the page lists the first ones by name


@dataclass
class Headcounts:
    """The headcounts the collective ranking uses, for the settings page."""

    level: str | None  # the kind of unit that competes for collective prizes; None: no collective prizes
    level_label: str
    moment: datetime | None  # (UTC) when they were fixed; None while no round has opened
    rows: list  # [(Organization, organise.HeadcountUsed)], by name
    total: int


def _headcounts(contest: Contest) -> Headcounts:
    level = (contest.prize_settings or {}).get("collective_level")
    if not level:
        return Headcounts(None, "", None, [], 0)
    units = organise.units_in_scope(contest, level)
    shown = sorted(units, key=lambda o: ((o.short_name or o.name).casefold(), o.code))[:HEADCOUNT_ROWS]
    moment, used = organise.headcounts_used(contest, shown)
    return Headcounts(level, str(dict(level_choices()).get(level, level)), moment,
                      [(org, used[org.id]) for org in shown], len(units))


@bp.post("/<slug>/organisers")
@requires("contests.organise")
def add_organiser(slug):
    contest = _managed(slug)
    form = OrganiserForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(url_for(".contest", slug=slug))
    user = active_user_by_username(form.username.data)
    if user is None:
        flash(_("No active account has this username."), "error")
        return redirect(url_for(".contest", slug=slug))
    try:
        added = organise.add_organiser(current_user, contest, user)
    except ServiceError as err:
        _fail(err)
    else:
        db.session.commit()
        flash(_("%(name)s now organises this contest.", name=user.full_name) if added
              else _("%(name)s already organises this contest.", name=user.full_name), "success")
    return redirect(url_for(".contest", slug=slug))


def _bank_choices(course_quizzes: dict[str, list]) -> list[tuple[str, str]]:
    """Every bank; those that are a course's quiz say so, since a round seals them for that course."""
    choices = [("", "—")]
    for bank in db.session.scalars(select(QuestionBank).order_by(QuestionBank.title)):
        label = f"{bank.title} ({bank.slug})"
        if bank.slug in course_quizzes:
            label = _("%(bank)s — quiz of the course: %(courses)s", bank=label,
                      courses=", ".join(c.title for c in course_quizzes[bank.slug]))
        choices.append((bank.slug, label))
    return choices


def _settings(form: RoundForm) -> organise.RoundSettings:
    return organise.RoundSettings(
        title=form.title.data, kind=form.kind.data, opens_at=form.opens_at.data - VN_OFFSET,
        closes_at=form.closes_at.data - VN_OFFSET,
        bank_slug=form.bank.data or None, draw=form.draw.data, time_limit_minutes=form.time_limit_minutes.data,
        attempts_allowed=form.attempts_allowed.data, counting=form.counting.data,
        tiebreaker_question=form.tiebreaker_question.data, hide_results_until_close=form.hide_results_until_close.data,
        freeze_minutes=form.freeze_minutes.data or 0, weight=form.weight.data if form.weight.data is not None else 1.0,
        one_device=bool(form.one_device.data))


@bp.route("/<slug>/rounds/new", methods=["GET", "POST"])
@bp.route("/<slug>/rounds/<int:number>", methods=["GET", "POST"])
@requires("contests.organise")
def round_settings(slug, number=None):
    contest = _managed(slug)
    round_ = _round(contest, number) if number is not None else None
    form = RoundForm(obj=round_ if (round_ is not None and request.method == "GET") else None)
    course_quizzes = course_services.courses_using_banks()
    form.bank.choices = _bank_choices(course_quizzes)
    if request.method == "GET" and round_ is not None:
        form.opens_at.data = to_vn(round_.opens_at)
        form.closes_at.data = to_vn(round_.closes_at)
        bank = db.session.get(QuestionBank, round_.bank_id) if round_.bank_id else None
        form.bank.data = bank.slug if bank else ""
    if request.method == "POST" and form.validate_on_submit():
        try:
            if round_ is None:
                round_ = organise.add_round(current_user, contest, _settings(form))
                message = _("Round added.")
            else:
                diff = organise.update_round(current_user, round_, _settings(form))
                message = _("Saved (%(n)d change(s)).", n=len(diff)) if diff else _("Nothing changed.")
        except ServiceError as err:
            _fail(err, form)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for(".round_settings", slug=slug, number=round_.position))
    true_form = TrueCountForm(formdata=None, true_count=round_.tiebreaker_answer) if round_ is not None else None
    perfect = organise.perfect_count(round_) if round_ is not None else None
    # The bank chosen (saved, or posted back with an error) is a course's quiz: say what the
    # seal does to that course while the round is scheduled or running.
    sealed_courses = course_quizzes.get(form.bank.data or "", []) if form.kind.data != "judged" else []
    return render_template("contests/manage/round.html", contest=contest, round=round_, form=form,
                           true_form=true_form, perfect=perfect, now=utcnow(), sealed_courses=sealed_courses)


@bp.post("/<slug>/rounds/<int:number>/true-count")
@requires("contests.organise")
def true_count(slug, number):
    contest = _managed(slug)
    round_ = _round(contest, number)
    form = TrueCountForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(url_for(".round_settings", slug=slug, number=number))
    value = form.true_count.data
    if request.form.get("use_perfect"):
        value = organise.perfect_count(round_)
    try:
        organise.set_true_count(current_user, round_, value)
    except ServiceError as err:
        _fail(err)
    else:
        db.session.commit()
        flash(_("The true count is %(n)s.", n=value if value is not None else "—"), "success")
    return redirect(url_for(".round_settings", slug=slug, number=number))


@bp.route("/<slug>/prizes", methods=["GET", "POST"])
@requires("contests.organise")
def prizes(slug):
    contest = _managed(slug)
    settings = contest.prize_settings or {}
    form = PrizeForm(formdata=request.form if request.method == "POST" else None,
                     data={**{p: settings.get(p, d) for p, d in zip(PRIZES, (1, 2, 3, 5), strict=True)},
                           "collective": settings.get("collective", 0),
                           "collective_level": settings.get("collective_level") or ""})
    if request.method == "POST" and form.validate_on_submit():
        try:
            diff = organise.set_prize_settings(
                current_user, contest, {p: getattr(form, p).data or 0 for p in PRIZES},
                form.collective.data or 0, form.collective_level.data)
        except ServiceError as err:
            _fail(err, form)
        else:
            db.session.commit()
            flash(_("Saved (%(n)d change(s)).", n=len(diff)) if diff else _("Nothing changed."), "success")
            return redirect(url_for(".prizes", slug=slug))
    if contest.status != "published" and organise.close_expired_attempts(contest):
        db.session.commit()  # the preview counts attempts whose time ran out, as publishing will
    standings = organise.final_standings(contest)
    preview = organise.prizes_for(contest, standings) if contest.status != "published" else {}
    return render_template("contests/manage/prizes.html", contest=contest, form=form, standings=standings[:200],
                           total=len(standings), preview=preview, awards=organise.awards_of(contest),
                           problems=organise.publication_problems(contest), withdraw_form=WithdrawForm(formdata=None),
                           prize_names=organise.PRIZE_LABELS, decided_labels=organise.DECIDED_LABELS,
                           single_round=len(organise.counted_rounds_of(contest)) == 1)


@bp.post("/<slug>/publish")
@requires("contests.organise")
def publish(slug):
    contest = _managed(slug)
    try:
        awards = organise.publish_results(current_user, contest)
    except ServiceError as err:
        _fail(err)
    else:
        db.session.commit()
        flash(_("Results published with %(n)d award(s).", n=len(awards)), "success")
    return redirect(url_for(".prizes", slug=slug))


@bp.post("/<slug>/withdraw")
@requires("contests.organise")
def withdraw(slug):
    contest = _managed(slug)
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Say why the results are withdrawn."), "error")
        return redirect(url_for(".prizes", slug=slug))
    try:
        organise.withdraw_results(current_user, contest, form.reason.data)
    except ServiceError as err:
        _fail(err)
    else:
        db.session.commit()
        flash(_("The results are withdrawn."), "success")
    return redirect(url_for(".prizes", slug=slug))


def _published(slug: str) -> Contest:
    contest = _managed(slug)
    if contest.status != "published":
        abort(404)
    return contest


@bp.get("/<slug>/prizes.xlsx")
@requires("contests.organise")
def prizes_xlsx(slug):
    from lms.audit.services import record_audit
    from lms.contests.awards import write_prize_list
    from lms.core.files import private_temp_file

    contest = _published(slug)
    handle = private_temp_file(suffix=".xlsx")  # anonymous, private; closing deletes it
    try:
        rows = write_prize_list(contest, organise.awards_of(contest), handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    record_audit(current_user, "contest.prizes.export", target=contest, rows=rows)
    db.session.commit()
    response = send_file(handle, as_attachment=True, download_name=f"giai-thuong-{contest.slug}.xlsx", max_age=0,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<slug>/awards.pdf")
@requires("contests.organise")
def awards_pdf(slug):
    import io

    from lms.audit.services import record_audit
    from lms.contests.awards import signed_award_certificates

    contest = _published(slug)
    awards = organise.awards_of(contest)
    only = request.args.get("code")
    if only:
        awards = [a for a in awards if a.code == only] or abort(404)
    pdf = signed_award_certificates(contest, awards, verify_base=public_url_for("contests.award", slug=slug, code=""))
    record_audit(current_user, "contest.awards.print", target=contest, awards=len(awards))
    db.session.commit()
    return send_file(io.BytesIO(pdf), as_attachment=True, download_name=f"giay-khen-{contest.slug}.pdf",
                     mimetype="application/pdf")


@bp.get("/<slug>/participants/<int:registration_id>")
@requires("contests.organise")
def participant(slug, registration_id):
    """One participant's record for settling a dispute: registration, results, and every answer
    saved in their contest attempts, in order, with the address it came from."""
    from lms.audit.services import record_audit
    from lms.contests.models import Registration, RoundEntry

    contest = _managed(slug)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.contest_id != contest.id:
        abort(404)
    entries = {e.round_id: e for e in db.session.scalars(
        select(RoundEntry).where(RoundEntry.registration_id == registration.id))}
    log = organise.answer_log(contest, registration.user_id)
    record_audit(current_user, "contest.participant.view", target=contest, registration=registration.id)
    db.session.commit()
    duplicate = db.session.get(Registration, registration.duplicate_of_id) if registration.duplicate_of_id else None
    return render_template("contests/manage/participant.html", contest=contest, registration=registration,
                           entries=entries, log=log, duplicate=duplicate)


@bp.app_template_filter("audit_value")
def audit_value(value):
    """Logged values for people: UTC timestamps ("...Z") in Vietnam time, numbers with the
    locale's decimals (a weight of 1.0 reads "1", 0.5 "0,5"), the rest as is."""
    from datetime import datetime

    from flask_babel import format_datetime

    from lms.audit.display import show_value

    if value is None:
        return "—"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return show_value(value)
    if isinstance(value, str) and value.endswith("Z") and "T" in value:
        try:
            moment = datetime.fromisoformat(value[:-1])
        except ValueError:
            return value
        return format_datetime(moment, "HH:mm dd/MM/yyyy")
    return value
