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
    """Make every form read WTForms' built-in messages from lms/translations: each FlaskForm,
    and each plain ``wtforms.Form`` used inside one (a rubric's rows in a FieldList), whose
    default Meta would otherwise give WTForms' English ("Not a valid float value.")."""
    import flask_wtf.form
    import wtforms.meta

    messages = _FormMessages()
    flask_wtf.form.translations = messages
    wtforms.meta.DefaultMeta.get_translations = lambda self, form: messages


# --- display labels of stored codes ----------------------------------------------------------------
#
# Codes stored in the database ("class", "teacher", "truefalse", "published") are never shown as
# they are: each enumeration has one map from code to a lazily translated label, kept next to
# the enumeration by the area that owns it and registered here under a name, so templates
# write ``{{ org.kind|label("org_kind") }}`` and Python code ``label(org.kind, "org_kind")``.

_LABELS: dict[str, dict] = {}


def register_labels(enumeration: str, labels: dict) -> dict:
    """Make ``labels`` (code -> lazy_gettext string) the display labels of ``enumeration``;
    returns ``labels`` so a module can define and register its map in one statement.

    Raises ValueError when another map already holds that name (two areas claiming one
    enumeration would make the label depend on import order)."""
    known = _LABELS.get(enumeration)
    if known is not None and known is not labels:
        raise ValueError(f"labels for {enumeration!r} are registered twice")
    _LABELS[enumeration] = labels
    return labels


def label(code, enumeration: str) -> str:
    """The translated label of ``code`` in ``enumeration`` (a name given to register_labels),
    in the current locale. An empty code gives ""; a code the map does not know (a value a
    newer version stored) comes back as it is rather than failing the page.

    Raises KeyError for an enumeration nobody registered: a typo in a template fails its test."""
    labels = _LABELS[enumeration]
    if code is None or code == "":
        return ""
    found = labels.get(code)
    return str(found) if found is not None else str(code)


def labels_of(enumeration: str) -> dict:
    """The registered map of ``enumeration`` (code -> lazy label), e.g. for a form's choices."""
    return _LABELS[enumeration]
