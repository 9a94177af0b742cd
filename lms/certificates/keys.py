"""The platform's certificate signing keys: ids, validity periods, rotation, publication.

Every key that ever signed stays in the ``certificate_signing_key`` table with the period it was
current, ``[valid_from, valid_until)``; exactly the newest one without ``valid_until`` signs.
A document or badge verifies when its key is in the set and it was signed inside that key's
period (plus ``ROTATION_GRACE`` for a server that began signing a moment before the rotation
reached it). The private keys are stored encrypted (PKCS#8 with the deployment's key secret),
so every app server signs with the same key and a lost instance folder loses nothing.

Keys are ECDSA P-256 ("ES256"): PAdES signatures with it are checked by Adobe Reader, Foxit,
poppler's ``pdfsig`` and pyHanko alike, and it is a registered JOSE algorithm for the badge
JWTs. The Ed25519 key of the first version (``instance/certificate-signing-key.pem``) is
imported once as a retired "EdDSA" key so what it signed keeps verifying.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from lms.certificates.keyset import ROTATION_GRACE, PublicKey  # noqa: F401 - re-exported
from lms.certificates.models import SigningKey
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db

LEGACY_KEY_FILE = "certificate-signing-key.pem"
# The self-signed X.509 certificate is only a carrier for the public key that PDF readers
# display; the key's real period is valid_from/valid_until above.
CERTIFICATE_YEARS = 30
SIGNER_NAME = "Nền tảng học dịch vụ công trực tuyến"


@dataclass(frozen=True)
class Signer:
    """The current key, ready to sign: ``private_key`` is a cryptography key object."""

    kid: str
    algorithm: str
    private_key: object
    certificate_pem: str | None


def kid_of(public_pem: str) -> str:
    """First 16 hex digits of SHA-256 over the PEM text: the rule of the first version's key id,
    kept so badges it signed still name a key in the set."""
    return hashlib.sha256(public_pem.encode()).hexdigest()[:16]


def _secret() -> bytes:
    secret = current_app.config.get("CERTIFICATE_KEY_SECRET") or current_app.config.get("SECRET_KEY")
    if not secret:
        raise ServiceError(_l("Set LMS_CERTIFICATE_KEY_SECRET (or LMS_SECRET_KEY): it encrypts the signing keys."))
    return secret.encode() if isinstance(secret, str) else secret


def _upper_bound(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (cryptography counts RFC 5280's
    ub-common-name of 64 in bytes), at the last whole word that fits."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[:limit + 1].decode(errors="ignore")
    return cut.rsplit(" ", 1)[0].strip() if " " in cut else cut[:limit // 4]


def new_key_material(now: datetime, issuer_name: str = SIGNER_NAME) -> dict:
    """A fresh ES256 key with its self-signed certificate, as the columns of SigningKey
    (private key not yet encrypted: ``private`` holds the key object)."""
    private = ec.generate_private_key(ec.SECP256R1())
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    kid = kid_of(public_pem)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _upper_bound(issuer_name, 64)),
        # What PDF readers show as the signer: the platform's name in full; the key id goes
        # into the subject's serialNumber, which the certificate details show.
        x509.NameAttribute(NameOID.COMMON_NAME, _upper_bound(issuer_name, 64)),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, kid),
    ])
    start = now.replace(tzinfo=UTC) - timedelta(minutes=10)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * CERTIFICATE_YEARS))
        # digitalSignature + nonRepudiation (contentCommitment): what PAdES validators expect
        # of a document-signing certificate.
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private, hashes.SHA256()))
    return {"kid": kid, "algorithm": "ES256", "public_pem": public_pem, "private": private,
            "certificate_pem": certificate.public_bytes(serialization.Encoding.PEM).decode()}


def _encrypt(private) -> str:
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.BestAvailableEncryption(_secret())).decode()


_cache: dict[str, object] = {}
_cache_lock = threading.Lock()


def _decrypt(kid: str, pem: str):
    with _cache_lock:
        if kid in _cache:
            return _cache[kid]
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=_secret())
    except (ValueError, TypeError) as err:
        raise ServiceError(_l(
            "The certificate signing key cannot be decrypted: LMS_CERTIFICATE_KEY_SECRET (or LMS_SECRET_KEY) "
            "differs from the one it was created with.")) from err
    with _cache_lock:
        _cache[kid] = key
    return key


def _legacy_key_row(path: Path, now: datetime) -> dict:
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"kid": kid_of(public_pem), "algorithm": "EdDSA", "public_pem": public_pem, "certificate_pem": None,
            "private_pem": _encrypt(private), "valid_from": datetime(2000, 1, 1), "valid_until": now,
            "created_at": now}


_legacy_checked: set[str] = set()


def ensure_keys() -> None:
    """Make sure a current key exists, and that the first version's instance-folder key (if this
    server has one) is in the set as a retired key.

    Runs in its own transaction (committed at once, whatever the caller's session does), so a
    document is never signed by a key that a rollback then forgets. Two servers racing here may
    each create a key; both are valid and the newer one signs from then on. The folder is
    looked at once per process; ``lms certificates import-legacy-key`` does it on demand.
    """
    instance = current_app.instance_path
    has_current = db.session.scalar(select(SigningKey.id).where(SigningKey.valid_until.is_(None)).limit(1))
    if has_current is not None and instance in _legacy_checked:
        return
    _legacy_checked.add(instance)
    import_legacy_key(Path(instance) / LEGACY_KEY_FILE)
    if has_current is not None:
        return
    now = utcnow()
    material = new_key_material(now, _issuer_name())
    with db.engine.begin() as conn:
        if conn.execute(select(SigningKey.id).where(SigningKey.valid_until.is_(None)).limit(1)).first() is None:
            conn.execute(insert(SigningKey), [{
                "kid": material["kid"], "algorithm": "ES256", "public_pem": material["public_pem"],
                "certificate_pem": material["certificate_pem"], "private_pem": _encrypt(material["private"]),
                "valid_from": now, "valid_until": None, "created_at": now}])
    db.session.expire_all()


def import_legacy_key(path: Path) -> str | None:
    """Add the first version's Ed25519 key file at ``path`` to the set as retired from now on
    (valid from 2000-01-01, so everything it signed verifies). Returns its kid, or None when
    the file is absent. Idempotent; its own transaction."""
    if not path.is_file():
        return None
    row = _legacy_key_row(path, utcnow())
    with db.engine.begin() as conn:
        if conn.execute(select(SigningKey.id).where(SigningKey.kid == row["kid"])).first() is None:
            conn.execute(insert(SigningKey), [row])
    return row["kid"]


def _issuer_name() -> str:
    return current_app.config.get("CERTIFICATE_ISSUER_NAME") or SIGNER_NAME


def current_signer() -> Signer:
    """The key that signs now (created on first use)."""
    ensure_keys()
    row = db.session.execute(
        select(SigningKey.kid, SigningKey.algorithm, SigningKey.private_pem, SigningKey.certificate_pem)
        .where(SigningKey.valid_until.is_(None)).order_by(SigningKey.valid_from.desc(), SigningKey.id.desc())
        .limit(1)).one()
    return Signer(kid=row.kid, algorithm=row.algorithm, private_key=_decrypt(row.kid, row.private_pem),
                  certificate_pem=row.certificate_pem)


def legacy_private_key():
    """The first version's Ed25519 key, for the statements of certificates it issued (their
    stored ``signature`` column); None on deployments that never had it."""
    ensure_keys()
    row = db.session.execute(select(SigningKey.kid, SigningKey.private_pem)
                             .where(SigningKey.algorithm == "EdDSA").limit(1)).first()
    return _decrypt(row.kid, row.private_pem) if row is not None else None


def public_keys() -> list[PublicKey]:
    """Every key ever used, oldest first."""
    ensure_keys()
    return [PublicKey(kid=k.kid, algorithm=k.algorithm, public_pem=k.public_pem, certificate_pem=k.certificate_pem,
                      valid_from=k.valid_from, valid_until=k.valid_until)
            for k in db.session.scalars(select(SigningKey).order_by(SigningKey.valid_from, SigningKey.id))]


def rotate_key() -> tuple[PublicKey, PublicKey]:
    """Make a new key current and retire the current one from now on: (retired, new).
    Flushes; the CLI command commits."""
    ensure_keys()
    now = utcnow()
    old = db.session.scalars(select(SigningKey).where(SigningKey.valid_until.is_(None))).all()
    material = new_key_material(now, _issuer_name())
    db.session.execute(update(SigningKey).where(SigningKey.valid_until.is_(None)).values(valid_until=now))
    new = SigningKey(kid=material["kid"], algorithm="ES256", public_pem=material["public_pem"],
                     certificate_pem=material["certificate_pem"], private_pem=_encrypt(material["private"]),
                     valid_from=now, valid_until=None, created_at=now)
    db.session.add(new)
    db.session.flush()
    keys = {k.kid: k for k in public_keys()}
    return keys[old[0].kid] if old else None, keys[new.kid]


JWKS_PATH = "/.well-known/jwks.json"


def encode_jwt(claims: dict, signer: Signer, base_url: str) -> str:
    """A JWS of ``claims`` by ``signer`` (badges, the revocation list). The header carries the
    bare kid, as in the key set, so a generic JOSE library's lookup by kid finds the key, and
    "jku" (RFC 7515 §4.1.2) says where the set is."""
    import jwt

    headers = {"kid": signer.kid, "jku": f"{base_url.rstrip('/')}{JWKS_PATH}", "typ": "JWT"}
    return jwt.encode(claims, signer.private_key, algorithm=signer.algorithm, headers=headers)


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk(key: PublicKey) -> dict:
    """RFC 7517 JWK of one key, with its period as extra members (``valid_from``/``valid_until``,
    ISO 8601 UTC) and, for ES256, the X.509 certificate in ``x5c`` (RFC 7517 §4.7)."""
    public = serialization.load_pem_public_key(key.public_pem.encode())
    if key.algorithm == "EdDSA":
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        entry = {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}
    else:
        numbers = public.public_numbers()
        entry = {"kty": "EC", "crv": "P-256", "x": _b64(numbers.x.to_bytes(32, "big")),
                 "y": _b64(numbers.y.to_bytes(32, "big"))}
        if key.certificate_pem:
            import base64

            der = x509.load_pem_x509_certificate(key.certificate_pem.encode()).public_bytes(serialization.Encoding.DER)
            entry["x5c"] = [base64.b64encode(der).decode()]
    entry.update({"kid": key.kid, "use": "sig", "alg": key.algorithm,
                  "valid_from": _iso(key.valid_from), "valid_until": _iso(key.valid_until) if key.valid_until else None})
    return entry


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def jwks() -> dict:
    return {"keys": [jwk(k) for k in public_keys()]}


def keys_from_jwks(data: dict) -> list[PublicKey]:
    """The key set as published at /.well-known/jwks.json, for verifying offline on another
    machine (``lms verify-certificate --keys jwks.json``)."""
    import base64

    out = []
    for entry in data.get("keys", []):
        if entry.get("kty") == "OKP":
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            raw = base64.urlsafe_b64decode(entry["x"] + "=" * (-len(entry["x"]) % 4))
            public = Ed25519PublicKey.from_public_bytes(raw)
            cert_pem = None
        else:
            der = base64.b64decode(entry["x5c"][0])
            cert = x509.load_der_x509_certificate(der)
            public = cert.public_key()
            cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        until = entry.get("valid_until")
        out.append(PublicKey(kid=entry["kid"], algorithm=entry.get("alg", "ES256"), public_pem=pem,
                             certificate_pem=cert_pem,
                             valid_from=datetime.fromisoformat(entry["valid_from"].rstrip("Z")),
                             valid_until=datetime.fromisoformat(until.rstrip("Z")) if until else None))
    return out
