"""Verification of uploaded PDFs inside bounds of time and memory (issue 16, point 5).

STUB: runs in-process until the bounded runner lands.
"""

from __future__ import annotations

from lms.certificates.keys import PublicKey
from lms.certificates.verify import Verdict, verify_document


def verify_bounded(pdf_bytes: bytes, keys: list[PublicKey]) -> Verdict:
    """``verify_document`` with its time and memory bounded; a file that exceeds them gets
    Verdict("too_complex"). Never raises on the file's content."""
    return verify_document(pdf_bytes, keys)
