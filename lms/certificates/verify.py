"""Offline verification of a certificate PDF: no database, only the public key.

A PDF passes when its embedded statement carries a valid signature of the platform's
key AND the visible page still says what the statement says (name, course, serial), so
neither editing the metadata nor editing the printed text goes unnoticed.
"""

from __future__ import annotations

import base64
import io
import json
import re
import unicodedata
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from lms.certificates.render import METADATA_PREFIX, content_hash
from lms.certificates.signing import verify

# Our certificate page draws a few kilobytes of operators; 2 MB leaves room for any template.
MAX_PAGE_DRAWING_BYTES = 2 * 1024 * 1024


@dataclass
class Verdict:
    ok: bool
    reason: str
    payload: dict | None = None
    status: str | None = None  # filled online: valid, revoked or superseded


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def read_statement(pdf_bytes: bytes) -> tuple[dict | None, str | None, str]:
    """(payload, signature, page text) or (None, None, reason)."""
    # Anyone may upload here, so the cheap checks come first and the page is only drawn
    # (text extracted) once it looks like ours: one page whose drawing is small. pypdf's
    # own limits (LimitReachedError, a PyPdfError) stop a decompression bomb on the way.
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
        keywords = (reader.metadata or {}).get("/Keywords") or ""
        if not str(keywords).startswith(METADATA_PREFIX):
            return None, None, "this PDF carries no certificate statement: it was not issued by this platform"
        if len(reader.pages) != 1:
            return None, None, "a certificate of this platform has exactly one page"
        contents = reader.pages[0].get_contents()
        drawing = contents.get_data() if contents is not None else b""
        if len(drawing) > MAX_PAGE_DRAWING_BYTES:
            return None, None, "the page's drawing is far larger than any certificate of this platform"
        text = reader.pages[0].extract_text() or ""
        drawn = content_hash(drawing)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as err:
        return None, None, f"not a readable PDF ({err.__class__.__name__})"
    try:
        body, signature = str(keywords)[len(METADATA_PREFIX):].rsplit(".", 1)
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, json.JSONDecodeError):
        return None, None, "the certificate statement is damaged"
    payload["_drawn_sha256"] = drawn
    return payload, signature, text


def verify_pdf(pdf_bytes: bytes, public_key) -> Verdict:
    payload, signature, text = read_statement(pdf_bytes)
    if payload is None:
        return Verdict(False, text)
    drawn = payload.pop("_drawn_sha256")
    if not verify(public_key, payload, signature):
        return Verdict(False, "the signature does not match: the statement was altered or signed by another key", payload)
    if payload.get("content_sha256") != drawn:
        return Verdict(False, "the page was edited or covered after issue (its drawing does not match the signed hash)", payload)
    page = _squash(text)
    for label, value in (("name", payload.get("name")), ("course", payload.get("course")), ("serial", payload.get("serial"))):
        if value and _squash(str(value)) not in page and _squash(str(value)).replace(" ", "") not in page.replace(" ", ""):
            return Verdict(False, f"the printed {label} differs from the signed statement: the page was altered", payload)
    return Verdict(True, "issued by this platform and not altered", payload)
