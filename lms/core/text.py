"""Vietnamese text helpers: store NFC with full diacritics, compare folded."""

from __future__ import annotations

import re
import unicodedata

# Characters that show nothing and carry no meaning in a name or a one-line value: zero-width
# space, word joiner, byte-order mark, soft hyphen, Mongolian vowel separator, and the bidi
# embedding/override/isolate controls (which can make a name read differently from what is
# stored, Unicode TR#36 §2.2). ZWJ/ZWNJ are kept: some scripts need them.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad\u180e\u202a-\u202e\u2066-\u2069]")


def nfc(value: str | None) -> str | None:
    """Normalise to NFC, drop invisible characters (``_INVISIBLE``) and collapse runs of white
    space (names typed on phones vary)."""
    if value is None:
        return None
    return re.sub(r"\s+", " ", _INVISIBLE.sub("", unicodedata.normalize("NFC", value))).strip()


# Letters that look like Đ/đ (U+0110/U+0111) and that legacy-encoding converters (VNI,
# TCVN3/ABC fonts re-typed or converted to Unicode) and some keyboards put in their place:
# Ð U+00D0 and ð U+00F0 (the Icelandic eth), Ɖ U+0189 and ɖ U+0256 (the African D).
D_LOOKALIKES = {"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110", "\u0256": "\u0111"}
# Only at the start of a word: Vietnamese writes đ only as a syllable's first letter, and an
# eth inside a word is another language's own letter (Icelandic "Guðrún" keeps it).
_D_LOOKALIKE_AT_WORD_START = re.compile(r"(?<![^\W\d_])[\u00d0\u00f0\u0189\u0256]")


def person_name(value: str | None) -> str | None:
    """A person's name as stored: ``nfc`` (composed, invisible characters dropped, spaces
    collapsed), then a look-alike of Đ/đ (``D_LOOKALIKES``) at the start of a word replaced by
    Đ/đ, so "Ðỗ Thị Ðào" is stored "Đỗ Thị Đào" and found by "Đỗ Thị Đào" and "do thi dao".

    For names only (accounts, rosters, contest registrations, certificates): other free text
    (question text, school names) keeps the letters it was typed with; matching it through
    ``fold`` is look-alike-proof anyway."""
    value = nfc(value)
    if not value:
        return value
    return _D_LOOKALIKE_AT_WORD_START.sub(lambda m: D_LOOKALIKES[m.group(0)], value)


def drop_invisible(value: str) -> str:
    """``value`` without the characters of ``_INVISIBLE`` (bidi overrides that make text read
    backwards, zero-width spaces), white space left as it is: for multi-line texts."""
    return _INVISIBLE.sub("", value)


def has_letters(value: str | None) -> bool:
    """Whether ``value`` holds at least one letter or digit (Unicode categories L*, N*): a
    name made only of marks, punctuation or invisible characters shows as a blank row."""
    return bool(value) and any(unicodedata.category(ch)[0] in "LN" for ch in value)


_FOLD_D = str.maketrans({"\u0111": "d", "\u0110": "D", **{ch: "d" for ch in D_LOOKALIKES}})


def fold(value: str) -> str:
    """Lower-case and strip diacritics, for matching only, never for storage:
    "Dịch Vụ Công" and "dich vu cong" fold to the same key, and so do "Ðào" typed with a
    look-alike of Đ (``D_LOOKALIKES``, anywhere in the text) and "Đào"."""
    decomposed = unicodedata.normalize("NFD", value.translate(_FOLD_D))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", stripped).strip().casefold()
