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


def has_letters(value: str | None) -> bool:
    """Whether ``value`` holds at least one letter or digit (Unicode categories L*, N*): a
    name made only of marks, punctuation or invisible characters shows as a blank row."""
    return bool(value) and any(unicodedata.category(ch)[0] in "LN" for ch in value)


def fold(value: str) -> str:
    """Lower-case and strip diacritics, for matching only, never for storage:
    "Dịch Vụ Công" and "dich vu cong" fold to the same key."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", stripped).strip().casefold()
