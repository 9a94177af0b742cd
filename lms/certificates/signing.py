"""The exact bytes a certificate statement is signed over (the first version's Ed25519
scheme, still read for certificates downloaded before PAdES, and the statement encoding)."""

from __future__ import annotations

import json


def canonical(payload: dict) -> bytes:
    """The exact bytes that are signed: sorted keys, no spaces, UTF-8 (NFC names)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
