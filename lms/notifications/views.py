"""A person's notices ("Thông báo"), following one, marking them read, and their settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access.web import requires
from lms.core.mail import mail_enabled
from lms.extensions import db
from lms.notifications import render, services
from lms.notifications.forms import SettingsForm, field_name
from lms.notifications.models import Channel, NoticeKind

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

PER_PAGE = 30


@bp.app_template_global("unread_notifications")
def unread_notifications() -> int:
    """The signed-in person's unread count for the header (0 for visitors): one COUNT query."""
    if not current_user.is_authenticated:
        return 0
    return services.unread_count(current_user.id)


@bp.get("/")
@requires("signed_in")
def index():
    """The person's notices, newest first, unread ones marked in words."""
    page = db.paginate(services.notices_query(current_user.id), per_page=PER_PAGE, error_out=False)
    notices = [render.shown(n) for n in page.items]
    return render_template("notifications/index.html", page=page, notices=notices,
                           unread_total=services.unread_count(current_user.id))


@bp.post("/read-all")
@requires("signed_in")
def read_all():
    """Mark every notice of the person read (POST, CSRF)."""
    count = services.mark_all_read(current_user.id)
    db.session.commit()
    if count:
        flash(_("All notices are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.get("/<int:notice_id>/open")
@requires("signed_in")
def open_notice(notice_id):
    """Follow a notice's link, marking it read: a notice of someone else is a 404."""
    notice = services.open_notice(current_user.id, notice_id)
    if notice is None:
        abort(404)
    db.session.commit()
    return redirect(services.safe_link(notice.link))


@bp.route("/settings", methods=["GET", "POST"])
@requires("signed_in")
def settings():
    """One checkbox per kind and channel (on the site, by email); saved as NotificationSetting rows."""
    form = SettingsForm()
    if request.method == "GET":
        for (kind, channel), on in services.settings_of(current_user.id).items():
            getattr(form, field_name(kind, channel)).data = on
    elif form.validate_on_submit():
        services.save_settings(current_user.id, form.choices())
        db.session.commit()
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.settings"))
    rows = [(kind.value, render.KIND_LABELS[kind.value], render.KIND_HELP[kind.value],
             [(render.CHANNEL_LABELS[channel.value], form[field_name(kind.value, channel.value)])
              for channel in Channel]) for kind in NoticeKind]
    return render_template("notifications/settings.html", form=form, rows=rows,
                           has_email=bool(current_user.email), mail_on=mail_enabled())
