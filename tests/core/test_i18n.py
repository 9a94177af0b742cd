"""Vietnamese is the default language and every UI string has a Vietnamese translation."""

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
VI_PO = ROOT / "lms" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


def test_every_ui_string_is_translated_to_vietnamese(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", str(ROOT / "babel.cfg"),
         "-k", "_l", "-o", str(pot), "--no-location", "."],
        check=True, cwd=ROOT,
    )
    with pot.open("rb") as fh:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with VI_PO.open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted - translated)
    assert not missing, f"{len(missing)} strings lack a Vietnamese translation, e.g. {missing[:10]}"


def test_catalogue_compiles_and_serves_vietnamese(client):
    html = client.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in html


PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%[sdif]")


def _catalogue():
    with VI_PO.open("rb") as fh:
        return read_po(fh)


def test_the_catalogue_has_no_fuzzy_entry_and_keeps_every_placeholder():
    """Coverage is 100% only if every entry counts: a fuzzy one is not used (the .mo leaves it
    out), one missing a placeholder fails or hides a value, text not in NFC breaks searches."""
    problems = []
    for message in _catalogue():
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            # A plural's forms may leave out the count (Vietnamese has one form), nothing else.
            if not found <= expected or (len(ids) == 1 and found != expected):
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
            if string != unicodedata.normalize("NFC", string):
                problems.append(f"not NFC: {ids[0]!r}")
    assert not problems, "\n".join(problems)


def test_wtforms_own_messages_are_translated():
    """WTForms ships no Vietnamese; its messages ("This field is required.", "Not a valid float
    value.") come from our catalogue (lms.core.i18n.use_catalog_for_form_messages), so every
    one of them must be in it, with Flask-WTF's file messages."""
    import flask_wtf
    import wtforms

    with (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").open("rb") as fh:
        theirs = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    source = (Path(flask_wtf.__file__).parent / "file.py").read_text(encoding="utf-8")
    theirs |= set(re.findall(r'gettext\(\s*"([^"]+)"', source))
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue() if m.id and m.string}
    assert not sorted(theirs - translated)


def test_every_code_of_every_enumeration_has_a_label(app):
    """Each stored code a page shows has its label (lms.core.i18n.register_labels), so
    ``|label`` never falls back to the raw code for a value the code base can store."""
    from lms.auth.models import ROLES, USER_KINDS
    from lms.certificates.models import REVOCATION_CATEGORIES
    from lms.contests.judging_models import SUBMISSION_KINDS
    from lms.contests.models import PUBLIC_BOARD_CHOICES
    from lms.core.i18n import label, labels_of
    from lms.orgs.models import ORG_KINDS
    from lms.quizzes.types import REGISTRY

    enumerations = {"org_kind": ORG_KINDS, "user_kind": USER_KINDS, "role": ROLES, "question_type": REGISTRY,
                    "submission_kind": SUBMISSION_KINDS, "revocation_category": REVOCATION_CATEGORIES,
                    "public_board": PUBLIC_BOARD_CHOICES, "contest_status": ("draft", "open", "closed", "published"),
                    "round_kind": ("quiz", "judged"), "round_counting": ("best", "first", "last")}
    with app.test_request_context():
        for name, codes in enumerations.items():
            assert set(codes) <= set(labels_of(name)), name
            for code in codes:
                shown = label(code, name)
                assert shown and shown != code, (name, code)
        assert label("school", "org_kind") == "Trường" and label(None, "org_kind") == ""
        assert label("a-newer-kind", "org_kind") == "a-newer-kind"  # unknown: shown, not a 500
