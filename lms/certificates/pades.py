"""PAdES signatures on certificate PDFs (ETSI EN 319 142-1, baseline B-B), made with pyHanko.

Why pyHanko: it is maintained, implements PAdES and its validation (the second, independent
check is poppler's ``pdfsig``), and writing CMS and incremental updates by hand is exactly the
kind of code that hides forgery bugs.

The signature is a certification signature with DocMDP "no changes allowed" (ISO 32000-1
§12.8.2.2): every PDF reader shows the document as certified by the platform and flags any
later change (an annotation, a form field, a page box, JavaScript, appended bytes) as a
modification, and so does our own verification (lms.certificates.verify).
"""

from __future__ import annotations

import io
import threading

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata

from lms.certificates.keys import Signer
from lms.certificates.verify import outside_event_loop

FIELD_NAME = "ChuKyNenTang"
_signers: dict[str, signers.SimpleSigner] = {}
_lock = threading.Lock()


def _pyhanko_signer(signer: Signer) -> signers.SimpleSigner:
    with _lock:
        found = _signers.get(signer.kid)
    if found is not None:
        return found
    if signer.algorithm != "ES256" or not signer.certificate_pem:
        raise ValueError(f"key {signer.kid} ({signer.algorithm}) cannot make PAdES signatures")
    der_cert = x509.load_pem_x509_certificate(signer.certificate_pem.encode()).public_bytes(serialization.Encoding.DER)
    der_key = signer.private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption())
    made = signers.SimpleSigner(signing_cert=asn1_x509.Certificate.load(der_cert),
                                signing_key=asn1_keys.PrivateKeyInfo.load(der_key), cert_registry=None)
    with _lock:
        _signers[signer.kid] = made
    return made


def sign_pdf(pdf_bytes: bytes, signer: Signer, *, reason: str = "Xác nhận văn bản do nền tảng cấp") -> bytes:
    """``pdf_bytes`` signed by ``signer`` as an incremental update: a PAdES B-B certification
    signature (SHA-256, ECDSA P-256) over the whole file, signing time = now (UTC).

    Raises ValueError when ``signer`` is not an ES256 key with a certificate.
    """
    meta = PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason, certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
    out = outside_event_loop(signers.sign_pdf, writer, meta, signer=_pyhanko_signer(signer))
    return out.getvalue()

