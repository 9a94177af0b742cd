"""Which passwords people may choose: NIST SP 800-63B §5.1.1.2 (memorized secrets) and
OWASP ASVS V2.1. Pure rules over plain strings; the app supplies its limits.

- Length counts what remains after NFKC normalisation without invisible format characters
  (zero-width spaces, joiners, BOM: Unicode category Cf); a password of only whitespace counts 0.
- Every Unicode character is allowed and there are no composition rules ("one digit, one
  capital"): NIST SP 800-63B §5.1.1.2 advises against them.
- Passwords found among common/breached passwords or otherwise trivially guessable are refused:
  the estimator is zxcvbn (Dropbox's algorithm, Python port 4.5.0), which matches common-password
  and word lists, keyboard rows, repeats, sequences, dates and the person's own details, and we
  add Vietnamese words people build passwords from. A score of 3 or more is required.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

# zxcvbn's word lists are English; these are what people here build weak passwords from
# (places, "password", "I love you", greetings, the service's own name).
VIETNAMESE_WORDS = (
    "hanoi", "saigon", "vietnam", "matkhau", "mat khau", "hochiminh", "tphcm", "danang", "haiphong",
    "cantho", "hue", "nhatrang", "dalat", "anhyeuem", "emyeuanh", "yeuem", "yeuanh", "xinchao",
    "dichvucong", "congdan", "hocsinh", "giaovien", "truonghoc", "nguyen", "tran", "pham", "hoang",
    "phan", "huynh", "dang", "ngo", "trung", "quocgia", "tocquoc",
)

# zxcvbn scores 0-4 by estimated guesses: 3 means at least 10^8 guesses, "moderate protection
# from an offline slow-hash attack". Online guessing is already throttled (LOGIN_RATE_LIMIT);
# 3 is what still protects people if the scrypt hashes ever leak.
MIN_SCORE = 3
# zxcvbn's own bound: matching is quadratic-ish in length (72 characters: ~20 ms, 256: ~0.5 s).
# A password strong in its first 72 characters is strong; a longer one is judged by those.
ESTIMATE_CHARS = 72

# zxcvbn keeps the person's inputs in a module-level dictionary while it runs: one at a time.
_ZXCVBN_LOCK = threading.Lock()


def normalise(password: str) -> str:
    """NFKC form, as NIST SP 800-63B §5.1.1.2 asks verifiers to apply before hashing."""
    return unicodedata.normalize("NFKC", password or "")


def visible(password: str) -> str:
    """The NFKC form without format characters (Cf, e.g. U+200B zero-width space): what a
    guesser has to find, since invisible characters are trivially stripped or typed."""
    return "".join(ch for ch in normalise(password) if unicodedata.category(ch) != "Cf")


def counted_length(password: str) -> int:
    """Characters that count towards the minimum: :func:`visible` ones; 0 when nothing but
    whitespace remains."""
    seen = visible(password)
    return len(seen) if seen.strip() else 0


def _hint(match: dict) -> str:
    """Our own Vietnamese-translatable reason for zxcvbn's longest weak match (its English
    feedback strings are never shown)."""
    pattern = match.get("pattern")
    if pattern == "dictionary":
        name = match.get("dictionary_name")
        if name == "user_inputs":
            return _l("It contains your name, your username, your unit or a common Vietnamese word "
                      "(such as hanoi or matkhau).")
        if name == "passwords":
            return _l("It is one of the most common passwords.")
        if name in ("surnames", "male_names", "female_names"):
            return _l("A name by itself is easy to guess.")
        return _l("A single common word, even with digits or symbols added, is easy to guess.")
    if pattern in ("repeat", "sequence"):
        return _l("Repeated characters and sequences (aaa, abc, 123) are easy to guess.")
    if pattern == "spatial":
        return _l("Rows of neighbouring keys (qwerty, asdf) are easy to guess.")
    if pattern in ("date", "regex"):
        return _l("Dates and years are easy to guess.")
    return _l("It is too short for what it contains.")


def password_problem(password: str, user_inputs: Iterable[str] = (), *, min_length: int = 8,
                     max_length: int = 256) -> str | None:
    """None when ``password`` may be chosen, else the reason (a lazy translated string).

    ``user_inputs``: the person's username, name parts, unit name...: passwords built from
    them are refused like common ones. Lengths are in characters as counted by
    :func:`counted_length`; ``max_length`` must be at least 64 (NIST SP 800-63B §5.1.1.2)."""
    length = counted_length(password)
    if length < min_length:
        return _l("Password must be at least %(n)d characters (spaces alone and invisible characters "
                  "do not count).", n=min_length)
    if len(normalise(password)) > max_length:
        return _l("Password must be at most %(n)d characters.", n=max_length)
    from zxcvbn import zxcvbn

    words = [w for w in user_inputs if w] + list(VIETNAMESE_WORDS)
    sample = visible(password)[:ESTIMATE_CHARS]
    with _ZXCVBN_LOCK:
        result = zxcvbn(sample, user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    sequence = result.get("sequence") or [{}]
    longest = max(sequence, key=lambda m: len(m.get("token", "")))
    return _l("This password is too easy to guess: %(why)s Try a short sentence of several words "
              "only you would think of.", why=_hint(longest))


def person_inputs(username: str | None, full_name: str | None, unit_name: str | None) -> list[str]:
    """The words of a person's own details a password must not be built from: the username
    and its parts, each part of the name with and without accents, the unit's name."""
    from lms.core.text import fold

    words: list[str] = []
    for value in (username, full_name, unit_name):
        if not value:
            continue
        folded = fold(value)
        words += [value, folded, folded.replace(" ", "")]
        for sep in (" ", ".", "-", "_"):
            words += [part for part in folded.split(sep) if len(part) > 1]
    return list(dict.fromkeys(w.lower() for w in words))
