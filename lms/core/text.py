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


# --- Vietnamese collation -------------------------------------------------------------------
#
# CLDR's standard tailoring for Vietnamese (common/collation/vi.xml, the same from CLDR 1.x to
# 44; ICU's "vi" collation):
#
#     [normalization on]
#     &̀<<̉<<̃<<́<<̣
#     &a<ă<<<Ă<â<<<Â
#     &d<đ<<<Đ
#     &e<ê<<<Ê
#     &o<ô<<<Ô<ơ<<<Ơ
#     &u<ư<<<Ư
#
# Read with UTS #10 (the Unicode Collation Algorithm) and UTS #35 part 5: ă, â, đ, ê, ô, ơ, ư are
# letters of their own (a primary difference, "<"), each right after its base letter; the five
# tone marks differ at the secondary level ("<<") in the order huyền (grave) < hỏi (hook) < ngã
# (tilde) < sắc (acute) < nặng (dot below), an unmarked letter (thanh ngang) before all of them;
# case differs at the tertiary level ("<<<"), lower case first. Spaces and punctuation are not
# ignored (CLDR root's "alternate=non-ignorable"): "Lê An" sorts before "Lê Anh" and "Lêa".

_VI_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_VI_INDEX = {letter: index for index, letter in enumerate(_VI_LETTERS)}
# The marks that, on their base letter, make one of the tailored letters (NFD spells ă as a +
# U+0306): breve, circumflex, horn.
_VI_LETTER_MARKS = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê",
                    ("o", "\u0302"): "ô", ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
# Secondary weights of the tone marks in the tailored order; 0 is an unmarked letter's, other
# marks (names from other languages) come after the five tones, by code point.
_VI_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# ASCII punctuation and symbols in their DUCET (root) order.
_DUCET_ASCII_PUNCTUATION = {ch: i for i, ch in enumerate("_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$")}
# đ/Đ have no decomposition; their look-alikes (D_LOOKALIKES) sort as Đ/đ.
_VI_D = str.maketrans(D_LOOKALIKES)
_TIER = 1 << 21  # above every code point


def _primary(base: str) -> int:
    """The primary weight of one base character (lower case, marks removed), in the root
    order of groups: white space, punctuation and symbols, digits, letters. Inside a group:
    ASCII punctuation as in DUCET, other symbols by code point; digits by value; the Vietnamese
    alphabet as tailored, then other letters by code point (an approximation of the root
    order, enough for names)."""
    if base in _VI_INDEX:
        return 3 * _TIER + _VI_INDEX[base]
    category = unicodedata.category(base)
    if base.isspace() or category.startswith("Z"):
        return 1
    if category[0] in "PS":
        return _TIER + _DUCET_ASCII_PUNCTUATION.get(base, 128 + ord(base))
    if category == "Nd":
        return 2 * _TIER + unicodedata.digit(base, 0)
    return 4 * _TIER + ord(base)


def _mark(ch: str) -> tuple[int, int, int]:
    return 0, _VI_TONES.get(ch, 100 + ord(ch)), 0


def _collation_elements(text: str, numeric: bool = False) -> list[tuple[int, int, int]]:
    """(primary, secondary, tertiary) per collation element of ``text``, as UTS #10 builds
    them under the CLDR vi tailoring: one element per letter (a tailored letter such as ă or ư
    is one, even when its marks arrive apart in NFD, as in ặ = a + dot below + breve), one
    per remaining combining mark (primary 0: ignored at the first level), none for invisible
    format characters (category Cf). With ``numeric``, a run of digits is one number (UTS #35
    part 5, "numericOrdering"): its count of significant digits, then the digits, so that
    9 < 10 and leading zeros do not count."""
    decomposed = unicodedata.normalize("NFD", text.translate(_VI_D))
    elements: list[tuple[int, int, int]] = []
    i = 0
    while i < len(decomposed):
        ch = decomposed[i]
        i += 1
        if unicodedata.category(ch) == "Cf":
            continue
        if numeric and unicodedata.category(ch) == "Nd":
            run = [unicodedata.digit(ch, 0)]
            while i < len(decomposed) and unicodedata.category(decomposed[i]) == "Nd":
                run.append(unicodedata.digit(decomposed[i], 0))
                i += 1
            while len(run) > 1 and run[0] == 0:
                run.pop(0)
            elements.append((2 * _TIER + len(run), 0, 0))
            elements.extend((2 * _TIER + digit, 0, 0) for digit in run)
            continue
        if unicodedata.combining(ch):  # a mark with no letter before it
            elements.append(_mark(ch))
            continue
        marks = []
        while i < len(decomposed) and unicodedata.combining(decomposed[i]):
            marks.append(decomposed[i])
            i += 1
        base = ch.lower()
        upper = int(ch != base)
        for mark in marks:  # one of breve, circumflex, horn makes a letter of its own
            letter = _VI_LETTER_MARKS.get((base, mark))
            if letter is not None:
                base = letter
                marks.remove(mark)
                break
        elements.append((_primary(base), 0, upper))
        elements.extend(_mark(mark) for mark in marks)
    return elements


def vietnamese_sort_key(text: str | None, *, numeric: bool = False) -> tuple:
    """A sort key ordering text as CLDR's Vietnamese collation does (the tailoring quoted above,
    applied per UTS #10 at three levels), for ``sorted(..., key=vietnamese_sort_key)``.

    The key is (primaries, secondaries, tertiaries, NFC text): letters first ("An" < "Anh" <
    "Ánh" < "Ân" < "Bình": ă, â, đ, ê, ô, ơ, ư are letters after a, a, d, e, o, o, u), then tone
    marks (a < à < ả < ã < á < ạ), then case (lower case first); the text itself breaks what is
    left, so the order is total. Every "Đ" word comes after every "D" word ("Dũng" < "Dương" <
    "Đào"). NFC and NFD spellings get the same key; ``None`` sorts as "". With ``numeric``,
    numbers compare by value (CLDR's "kn" option): "Lớp 9A" < "Lớp 10A1" < "Lớp 12A2" <
    "Lớp 12A10", for unit names. Pure Python (no ICU here); tests/core/test_text_collation.py
    checks it against Perl's Unicode::Collate::Locale."""
    value = unicodedata.normalize("NFC", text or "")
    elements = _collation_elements(value, numeric)
    return (tuple(p for p, _, _ in elements if p), tuple(s for _, s, _ in elements),
            tuple(t for _, _, t in elements), value)


def given_name_key(full_name: str | None) -> tuple:
    """A sort key putting Vietnamese people in class-list order: by tên (the given name, the
    last word of the full name), then by họ đệm (family and middle names), each compared with
    ``vietnamese_sort_key``: "Nguyễn Văn An" before "Trần Thị Bình", "Lê Văn An" before
    "Nguyễn Văn An", and every An (whatever the family name) before Án and Ân. A one-word name
    is its own tên; ``None`` sorts as ""."""
    words = (nfc(full_name) or "").split(" ")
    return vietnamese_sort_key(words[-1]), vietnamese_sort_key(" ".join(words[:-1]))
