"""A notice's words, written when it is shown or mailed, in the reader's language, from its
kind and params (so a notice created at night by cron reads in English for someone who chose
English, and a corrected translation applies to old notices too).

Mail addresses are absolute and come from the configured public address
(``lms.core.urls.public_url``), never from a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, render_template
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core.mail import Mail
from lms.core.timeutil import to_vn
from lms.core.urls import public_url
from lms.notifications.models import Channel, NoticeKind

#: Short names of the kinds (the list's tag, the settings table's rows).
KIND_LABELS = {
    NoticeKind.ASSIGNMENT_NEW.value: _l("New assignment"),
    NoticeKind.DUE_SOON.value: _l("Due soon"),
    NoticeKind.OVERDUE.value: _l("Overdue course"),
    NoticeKind.ROUND_OPEN.value: _l("Contest round open"),
    NoticeKind.RESULTS_PUBLISHED.value: _l("Contest results"),
}
#: What each kind is about, for the settings page.
KIND_HELP = {
    NoticeKind.ASSIGNMENT_NEW.value: _l("A course is assigned to your class or unit."),
    NoticeKind.DUE_SOON.value: _l("An assigned course you have not completed is due in 3 days or fewer."),
    NoticeKind.OVERDUE.value: _l("An assigned course you have not completed is past its due date."),
    NoticeKind.ROUND_OPEN.value: _l("A round of a contest you registered for opens."),
    NoticeKind.RESULTS_PUBLISHED.value: _l("The results of a contest you took part in are published."),
}
#: The words of each kind's one link.
ACTION_LABELS = {
    NoticeKind.ASSIGNMENT_NEW.value: _l("Open the course"),
    NoticeKind.DUE_SOON.value: _l("Open the course"),
    NoticeKind.OVERDUE.value: _l("Open the course"),
    NoticeKind.ROUND_OPEN.value: _l("Go to the contest"),
    NoticeKind.RESULTS_PUBLISHED.value: _l("See the results"),
}
CHANNEL_LABELS = {
    Channel.IN_APP.value: _l("On the site"),
    Channel.EMAIL.value: _l("By email"),
}


@dataclass(frozen=True)
class ShownNotice:
    """A notice ready for a page or a mail: ``link`` is a path inside the site."""

    id: int
    kind: str
    label: str
    text: str
    action: str
    link: str
    created_at: datetime
    unread: bool


def _day(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""


def _moment(value: str | None) -> str:
    """A stored UTC moment as Vietnam wall-clock time, "17:00 ngày 12/05/2026"."""
    if not value:
        return ""
    moment = to_vn(datetime.fromisoformat(value))
    return _("%(hour)s on %(date)s", hour=moment.strftime("%H:%M"), date=moment.strftime("%d/%m/%Y"))


def notice_text(kind: str, params: dict) -> str:
    """The sentence of a notice in the current language (``force_locale`` to choose another)."""
    params = params or {}
    course = (params.get("course_i18n") or {}).get(str(get_locale())) or params.get("course") or ""
    due = _day(params.get("due_on"))
    if kind == NoticeKind.ASSIGNMENT_NEW:
        if due:
            return _("You were assigned the course “%(course)s”, due on %(date)s.", course=course, date=due)
        return _("You were assigned the course “%(course)s”.", course=course)
    if kind == NoticeKind.DUE_SOON:
        return _("The course “%(course)s” is due on %(date)s and you have not completed it yet.",
                 course=course, date=due)
    if kind == NoticeKind.OVERDUE:
        return _("The course “%(course)s” was due on %(date)s and you have not completed it.", course=course, date=due)
    if kind == NoticeKind.ROUND_OPEN:
        return _("“%(round)s” of “%(contest)s” is open until %(time)s.", round=params.get("round", ""),
                 contest=params.get("contest", ""), time=_moment(params.get("closes_at")))
    if kind == NoticeKind.RESULTS_PUBLISHED:
        return _("The results of “%(contest)s” are published.", contest=params.get("contest", ""))
    return ""


def shown(notice) -> ShownNotice:
    """``notice`` (a Notification) in the current language."""
    return ShownNotice(id=notice.id, kind=notice.kind, label=str(KIND_LABELS.get(notice.kind, "")),
                       text=notice_text(notice.kind, notice.params), action=str(ACTION_LABELS.get(notice.kind, "")),
                       link=notice.link or "/", created_at=notice.created_at, unread=notice.read_at is None)


def reader_locale(user) -> str:
    """The language a person reads: theirs when the site has it, else the site's default."""
    config = current_app.config
    return user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def digest_mail(user, notices: list, *, list_path: str, settings_path: str) -> Mail:
    """The daily digest to ``user`` (who has an email address): subject, plain text and a light
    HTML alternative (inline styles only, no images), in the reader's language, each notice
    with its one absolute link, and where to switch kinds off (``settings_path``)."""
    with force_locale(reader_locale(user)):
        items = [shown(n) for n in notices]
        site = _("Digital public services learning")
        all_url, settings_url = public_url(list_path), public_url(settings_path)
        subject = ngettext("%(site)s: you have %(num)d new notice", "%(site)s: you have %(num)d new notices",
                           len(items), site=site)
        greeting = _("Hello %(name)s,", name=user.full_name)
        intro = ngettext("You have %(num)d new notice on %(site)s:", "You have %(num)d new notices on %(site)s:",
                         len(items), site=site)
        see_all = _("All your notices")
        why = _("You receive this mail at most once a day because email notices are on in your settings.")
        switch_off = _("Switch each kind of notice off")
        lines = [greeting, "", intro, ""]
        for item in items:
            lines += [f"- [{item.label}] {item.text}", f"  {item.action}: {public_url(item.link)}", ""]
        lines += [f"{see_all}: {all_url}", "", "--", why, f"{switch_off}: {settings_url}", ""]
        html = render_template(
            "notifications/mail/digest.html", lang=reader_locale(user), greeting=greeting, intro=intro,
            items=[(item, public_url(item.link)) for item in items], see_all=see_all, all_url=all_url, why=why,
            switch_off=switch_off, settings_url=settings_url)
    return Mail(to=user.email, subject=subject, text="\n".join(lines), html=html)
