"""Verifying a certificate PDF from its bytes and the published key set, with no database.

Two schemes are read:

* **PAdES** (from December 2026): one certification signature over the whole file by a key
  of the set, made inside that key's period; the statement (what the document certifies) is
  in the document information's Keywords, which the signature covers.
* **The first version's statement** (certificates downloaded before December 2026): an
  Ed25519 signature over a statement in the Keywords plus a hash of the page's drawing. That
  scheme did not cover the file, so it is read here with the rules that close what it let
  through: one revision only, nothing after the end of file, no annotations, no page boxes
  other than the page itself, no JavaScript or actions, no form.

``verify_document`` returns a :class:`Verdict` whose ``code`` is a key of ``REASONS``
(lms.certificates.status turns it into the sentence a citizen reads); it never raises on
bad input. It runs inside the verification sandbox (lms.certificates.sandbox), which bounds
its time and memory: malformed files may be arbitrarily hostile.
"""

from __future__ import annotations

import base64
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from lms.certificates.keyset import PublicKey
from lms.certificates.statement import METADATA_PREFIX, STATEMENT_PREFIX, content_hash

# Our certificate page draws a few kilobytes of operators; 2 MB leaves room for any template.
MAX_PAGE_DRAWING_BYTES = 2 * 1024 * 1024
# An award document has a page per award; a contest hands out at most a few hundred.
MAX_PAGES = 2000

# code -> whether the document passes. The sentences are in lms.certificates.status.
OUTCOMES = {
    "valid": True,              # PAdES, whole file, our key, inside its period
    "valid_legacy": True,       # first-version statement, checked with the stricter rules
    "not_pdf": False,           # not a PDF at all (e.g. an HTML page renamed .pdf)
    "unreadable": False,        # a PDF that cannot be read (truncated, broken cross-reference)
    "too_complex": False,       # exceeded the sandbox's time or memory (set by the sandbox)
    "too_large": False,         # over the upload bound (set by the caller)
    "not_ours": False,          # no signature and no statement of this platform
    "unknown_key": False,       # signed, but by a key that is not in the platform's key set
    "key_out_of_period": False, # signed by our key, at a time that key was not in use
    "several_signatures": False,
    "altered": False,           # the signed bytes no longer match the signature
    "modified_after_signing": False,  # an incremental update added after the signature
    "appended_bytes": False,    # bytes after the signed end of file
    "no_statement": False,      # signed by us, but not a certificate document
    "legacy_bad_signature": False,
    "legacy_page_changed": False,
    "legacy_overlay": False,    # annotations or form over the page
    "legacy_page_box": False,   # crop/trim/bleed/art box hiding part of the page
    "legacy_script": False,     # JavaScript or automatic actions
    "legacy_pages": False,
}


@dataclass
class Verdict:
    """``code`` in OUTCOMES; ``payload`` the statement when one was read (course certificate:
    serial, version, code, name, course, completed_on, score, issuer, issued_on, kind="course";
    award document: kind="award", contest, codes); ``kid`` and ``signed_at`` (naive UTC) for a
    PAdES signature; ``detail`` a technical note for logs and the CLI, never shown to citizens."""

    code: str
    payload: dict | None = None
    kid: str | None = None
    signed_at: datetime | None = None
    scheme: str | None = None  # "pades" or "legacy"
    detail: str = ""

    @property
    def ok(self) -> bool:
        return OUTCOMES.get(self.code, False)

    def to_json(self) -> dict:
        return {"code": self.code, "payload": self.payload, "kid": self.kid,
                "signed_at": self.signed_at.isoformat() if self.signed_at else None,
                "scheme": self.scheme, "detail": self.detail}

    @classmethod
    def from_json(cls, data: dict) -> Verdict:
        signed = data.get("signed_at")
        return cls(code=data["code"], payload=data.get("payload"), kid=data.get("kid"),
                   signed_at=datetime.fromisoformat(signed) if signed else None,
                   scheme=data.get("scheme"), detail=data.get("detail", ""))


def outside_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's synchronous entry points, which run ``asyncio.run`` inside: where
    this thread already runs an event loop (an async server, a notebook, Playwright's sync
    API in tests) that would raise, so the call goes to a short-lived thread instead."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _decode_b64_json(body: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def verify_document(pdf_bytes: bytes, keys: list[PublicKey]) -> Verdict:
    """Check ``pdf_bytes`` against ``keys`` (every key the platform ever published)."""
    head = pdf_bytes[:1024]
    if b"%PDF-" not in head:
        return Verdict("not_pdf")
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except RecursionError:
        return Verdict("too_complex", detail="nesting too deep")
    except Exception as err:  # noqa: BLE001 - any parser failure on hostile input is "unreadable"
        return Verdict("unreadable", detail=f"{err.__class__.__name__}: {err}"[:300])
    if not signatures:
        return _verify_legacy(pdf_bytes, keys)
    if len(signatures) != 1:
        return Verdict("several_signatures", detail=f"{len(signatures)} signatures")
    try:
        return _verify_pades(reader, signatures[0], keys)
    except RecursionError:
        return Verdict("too_complex", detail="nesting too deep")
    except Exception as err:  # noqa: BLE001
        return Verdict("altered", scheme="pades", detail=f"{err.__class__.__name__}: {err}"[:300])


def _verify_pades(reader, signature, keys: list[PublicKey]) -> Verdict:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    signer_cert = signature.signer_cert
    spki = signer_cert.public_key.dump()
    ours = [k for k in keys if k.algorithm == "ES256" and k.spki_der() == spki]
    if not ours:
        return Verdict("unknown_key", scheme="pades", detail=signer_cert.subject.human_friendly[:200])
    key = ours[0]
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(_certificate_der(key))
    status = outside_event_loop(validate_pdf_signature, signature,
                                ValidationContext(trust_roots=[root], allow_fetching=False), skip_diff=True)
    signed_at = status.signer_reported_dt
    signed_naive = signed_at.astimezone(UTC).replace(tzinfo=None) if signed_at else None
    base = {"scheme": "pades", "kid": key.kid, "signed_at": signed_naive}
    if not status.intact or not status.valid:
        return Verdict("altered", **base, detail="digest or signature mismatch")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        later = reader.xrefs.total_revisions - 1 > signature.signed_revision
        return Verdict("modified_after_signing" if later else "appended_bytes", **base,
                       detail=f"coverage {status.coverage.name}")
    if signed_naive is None or not key.covers(signed_naive):
        return Verdict("key_out_of_period", **base, detail=f"signed {signed_naive}, key {key.kid}")
    info = reader.trailer_view.get("/Info")
    info = info.get_object() if info is not None else None
    keywords = str(info.get("/Keywords", "")) if info is not None else ""
    if not keywords.startswith(STATEMENT_PREFIX):
        return Verdict("no_statement", **base)
    try:
        payload = _decode_b64_json(keywords[len(STATEMENT_PREFIX):])
    except (ValueError, json.JSONDecodeError):
        return Verdict("no_statement", **base, detail="statement not decodable")
    return Verdict("valid", payload=payload, **base)


def _certificate_der(key: PublicKey) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    return x509.load_pem_x509_certificate(key.certificate_pem.encode()).public_bytes(serialization.Encoding.DER)


# --- the first version's statement ------------------------------------------------------------

_A4_LANDSCAPE = (0.0, 0.0, 841.89, 595.28)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _box(value) -> tuple[float, ...]:
    return tuple(round(float(v), 1) for v in value)


def _verify_legacy(pdf_bytes: bytes, keys: list[PublicKey]) -> Verdict:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from pypdf import PdfReader

    from lms.certificates.signing import canonical

    base = {"scheme": "legacy"}
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
        keywords = str((reader.metadata or {}).get("/Keywords") or "")
    except RecursionError:
        return Verdict("too_complex", detail="nesting too deep")
    except Exception as err:  # noqa: BLE001
        return Verdict("unreadable", detail=f"{err.__class__.__name__}: {err}"[:300])
    if not keywords.startswith(METADATA_PREFIX):
        return Verdict("not_ours")
    # ReportLab wrote these files in one go: a single %%EOF at the very end. A second one is an
    # incremental update (where annotations and page-box edits usually go); anything else after
    # it was appended.
    tail = pdf_bytes.rstrip(b"\r\n\t \x00")
    if pdf_bytes.count(b"%%EOF") > 1 or pdf_bytes.count(b"startxref") > 1:
        return Verdict("modified_after_signing", **base)
    if not tail.endswith(b"%%EOF"):
        return Verdict("appended_bytes", **base)
    try:
        root = reader.trailer["/Root"]
        if any(name in root for name in ("/OpenAction", "/AA", "/AcroForm")) or "/JavaScript" in (root.get("/Names") or {}):
            return Verdict("legacy_script" if "/AcroForm" not in root else "legacy_overlay", **base)
        if len(reader.pages) != 1:
            return Verdict("legacy_pages", **base)
        page = reader.pages[0]
        if "/Annots" in page or "/AA" in page:
            return Verdict("legacy_overlay", **base)
        media = _box(page.mediabox)
        for name in ("/CropBox", "/TrimBox", "/BleedBox", "/ArtBox"):
            if name in page and _box(page[name]) != media:
                return Verdict("legacy_page_box", **base)
        if abs(media[2] - media[0] - _A4_LANDSCAPE[2]) > 1 or abs(media[3] - media[1] - _A4_LANDSCAPE[3]) > 1:
            return Verdict("legacy_page_box", **base)
        contents = page.get_contents()
        drawing = contents.get_data() if contents is not None else b""
        if len(drawing) > MAX_PAGE_DRAWING_BYTES:
            return Verdict("legacy_page_changed", **base)
        text = page.extract_text() or ""
        body, signature = keywords[len(METADATA_PREFIX):].rsplit(".", 1)
        payload = _decode_b64_json(body)
    except RecursionError:
        return Verdict("too_complex", detail="nesting too deep")
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        return Verdict("legacy_bad_signature", **base, detail="statement not decodable")
    except Exception as err:  # noqa: BLE001
        return Verdict("unreadable", detail=f"{err.__class__.__name__}: {err}"[:300])
    signed = {k: v for k, v in payload.items()}
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    key_used = None
    for key in keys:
        if key.algorithm != "EdDSA":
            continue
        try:
            serialization.load_pem_public_key(key.public_pem.encode()).verify(raw, canonical(signed))
        except (InvalidSignature, ValueError):
            continue
        key_used = key
        break
    if key_used is None:
        return Verdict("legacy_bad_signature", payload=payload, **base)
    issued = datetime.fromisoformat(str(payload.get("issued_on", "1970-01-01")))
    if not key_used.covers(issued):
        return Verdict("key_out_of_period", payload=payload, kid=key_used.kid, **base)
    if payload.get("content_sha256") != content_hash(drawing):
        return Verdict("legacy_page_changed", payload=payload, kid=key_used.kid, **base)
    page_text = _squash(text)
    for name in ("name", "course", "serial"):
        value = payload.get(name)
        if value and _squash(str(value)) not in page_text and \
                _squash(str(value)).replace(" ", "") not in page_text.replace(" ", ""):
            return Verdict("legacy_page_changed", payload=payload, kid=key_used.kid, **base)
    return Verdict("valid_legacy", payload=payload, kid=key_used.kid, **base)
