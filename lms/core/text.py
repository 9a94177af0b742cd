"""Vietnamese text helpers: store NFC with full diacritics, compare folded."""

from __future__ import annotations

import re
import unicodedata


def nfc(value: str | None) -> str | None:
    """Normalise to NFC and collapse runs of white space (names typed on phones vary)."""
    if value is None:
        return None
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Lower-case and strip diacritics, for matching only, never for storage:
    "Dịch Vụ Công" and "dich vu cong" fold to the same key."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", stripped).strip().casefold()
