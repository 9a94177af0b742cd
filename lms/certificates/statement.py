"""What a certificate PDF says it is, as text in its document information (Keywords): pure,
so verification imports it without ReportLab."""

from __future__ import annotations

import base64
import hashlib

from lms.certificates.signing import canonical

METADATA_PREFIX = "lms-certificate:"  # the first version's signed statement
STATEMENT_PREFIX = "lms-certificate-v2:"  # inside a PAdES-signed PDF


def encode_metadata(payload: dict, signature: str) -> str:
    """The first version's statement: payload and its Ed25519 signature (read by
    lms.certificates.verify for certificates issued before PAdES)."""
    body = base64.urlsafe_b64encode(canonical(payload)).rstrip(b"=").decode()
    return f"{METADATA_PREFIX}{body}.{signature}"


def encode_statement(payload: dict) -> str:
    """What a signed PDF says it is, in the document information's Keywords: the PAdES
    signature covers the whole file, so this needs no signature of its own. ``payload`` is a
    course certificate's ``CertificateData.payload()`` or an award document's
    ``{"kind": "award", "contest": slug, "codes": [...]}``."""
    body = base64.urlsafe_b64encode(canonical(payload)).rstrip(b"=").decode()
    return f"{STATEMENT_PREFIX}{body}"


def content_hash(stream: str | bytes) -> str:
    raw = stream.encode("latin-1") if isinstance(stream, str) else stream
    return hashlib.sha256(raw).hexdigest()
