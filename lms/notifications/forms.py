"""The notification settings form: one checkbox per kind and channel."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField

from lms.notifications.models import Channel, NoticeKind


def field_name(kind: str, channel: str) -> str:
    """The form field of a (kind, channel) pair, e.g. "due_soon__email"."""
    return f"{kind}__{channel}"


class SettingsForm(FlaskForm):
    """Fields are added below, one BooleanField per NoticeKind x Channel; their labels are the
    page's (the table's row and column headers say them)."""

    def choices(self) -> dict[tuple[str, str], bool]:
        """{(kind, channel): on} as submitted (an unticked box is off)."""
        return {(k.value, c.value): bool(getattr(self, field_name(k.value, c.value)).data)
                for k in NoticeKind for c in Channel}


for _kind in NoticeKind:
    for _channel in Channel:
        setattr(SettingsForm, field_name(_kind.value, _channel.value), BooleanField(default=True))
