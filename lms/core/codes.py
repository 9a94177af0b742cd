"""Random codes a person reads aloud, copies from paper or types on a phone: certificate
verification codes, unit join codes, blind-judging codes, one-time sign-in codes.

The alphabets leave out the characters people confuse when reading or hearing them (0/O, 1/I,
and in lower case also l), the practice of human-readable codes such as Crockford's Base32.
Randomness comes from ``secrets`` (a CSPRNG), so a code cannot be guessed from earlier ones.
"""

from __future__ import annotations

import secrets

# 32 symbols: each character carries 5 bits.
READABLE_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# 31 symbols, for codes typed on a phone keyboard that starts in lower case.
READABLE_LOWER = "abcdefghjkmnpqrstuvwxyz23456789"


def readable_code(length: int, alphabet: str = READABLE_UPPER) -> str:
    """A random code of ``length`` characters drawn from ``alphabet`` (default READABLE_UPPER).

    Raises ValueError for a length below 1."""
    if length < 1:
        raise ValueError("a code has at least one character")
    return "".join(secrets.choice(alphabet) for _ in range(length))
