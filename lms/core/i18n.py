"""Translation catalogues: Vietnamese is the default language, English the second.

Message ids in the code are English; ``translations/vi`` holds the Vietnamese text.
Compiled ``.mo`` files are build output (not committed), so they are compiled here
whenever a ``.po`` file is newer, which keeps ``pip install -e .`` enough to run.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def compile_catalogs_if_stale(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    compiled = []
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        tmp.replace(mo_path)  # atomic, so parallel workers never read half a file
        compiled.append(mo_path)
    return compiled


class _FormMessages:
    """WTForms' own messages ("This field is required.", "Field cannot be longer than ...")
    through the site's catalog: WTForms ships no Vietnamese, so Flask-WTF's default
    (WTForms' catalogs) showed them in English on Vietnamese pages."""

    def gettext(self, string):
        from flask_babel import gettext

        return gettext(string)

    def ngettext(self, singular, plural, n):
        from flask_babel import get_translations

        # Unformatted: WTForms applies ``% dict(max=...)`` itself (flask_babel.ngettext would
        # format with ``num`` only and fail).
        return get_translations().ungettext(singular, plural, n)


def use_catalog_for_form_messages() -> None:
    """Make every FlaskForm read WTForms' built-in messages from lms/translations."""
    import flask_wtf.form

    flask_wtf.form.translations = _FormMessages()
