"""Open Badges 3.0: each certificate as an OpenBadgeCredential, signed as a VC-JWT with the
current certificate key (lms.certificates.keys: ES256 now; the first version's badges were
EdDSA), the key set published at /.well-known/jwks.json.

A badge says who completed what; whether it still holds is in the revocation status list its
``credentialStatus`` names (lms.certificates.statuslist), which only an online check can read.
"""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
from flask_babel import lazy_gettext as _l

from lms.certificates.statuslist import entry_for

OB_CONTEXT = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def build_credential(cert, *, base_url: str, course_summary: str, course_slug: str) -> dict:
    base = base_url.rstrip("/")
    completed = datetime.combine(cert.completed_on, datetime.min.time())
    return {
        "@context": OB_CONTEXT,
        "id": f"{base}/verify/{cert.code}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": cert.course_title,
        "description": f"{cert.full_name} đã hoàn thành khoá học {cert.course_title}.",
        "issuer": {"id": f"{base}/issuer", "type": ["Profile"], "name": cert.issuer_name, "url": base},
        "issuanceDate": _iso(cert.issued_at),
        "awardedDate": _iso(completed),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "hashed": False, "identityHash": cert.full_name,
                            "identityType": "ext:fullName"}],
            "achievement": {
                "id": f"{base}/courses/{course_slug}/",
                "type": ["Achievement"],
                "name": cert.course_title,
                "description": course_summary or cert.course_title,
                "criteria": {"narrative": "Đọc hết các bài học của khoá và đạt bài kiểm tra cuối khoá (nếu có)."},
                "achievementType": "Certificate",
            },
            **({"result": [{"type": ["Result"], "value": f"{cert.score:.1f}"}]} if cert.score is not None else {}),
        },
        # W3C Bitstring Status List entry: bit <certificate id> of the public revocation list.
        "credentialStatus": entry_for(cert.id, base),
    }


def sign_credential(credential: dict, signer, base_url: str) -> str:
    """VC-JWT: the credential in the `vc` claim, with the registered claims OB 3.0 asks for,
    signed by ``signer`` (lms.certificates.keys.Signer, ES256) with its kid in the header and
    ``iat`` (now) inside that key's period."""
    import time

    issued = datetime.fromisoformat(credential["issuanceDate"].replace("Z", "+00:00"))
    claims = {
        "vc": credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(issued.timestamp()),
        "sub": credential["credentialSubject"]["identifier"][0]["identityHash"],
        "iat": int(time.time()),
    }
    from lms.certificates.keys import encode_jwt

    return encode_jwt(claims, signer, base_url)


# verify_jwt's codes: the token's signature and key, nothing about revocation.
JWT_CODES = ("valid", "malformed", "unknown_key", "bad_signature", "key_out_of_period", "not_yet_valid")

OFFLINE_BADGE_NOTE = _l(
    "The signature is genuine, but whether the certificate was revoked since cannot be known offline. Check "
    "it online: in the status list %(list)s, bit number %(index)s is set if the certificate is revoked; or "
    "open the verification page %(page)s.")
OFFLINE_BADGE_NOTE_NO_LIST = _l(
    "The signature is genuine, but whether the certificate was revoked since cannot be known offline. Check "
    "it online: open the verification page %(page)s.")


def verify_jwt(token: str, keys: list) -> tuple[str, dict | None, object | None]:
    """Check a JWT signed by the platform against its key set, offline: ``(code, claims, key)``.

    ``keys``: lms.certificates.keys.PublicKey (e.g. ``keys_from_jwks`` of a saved
    /.well-known/jwks.json). The key is the one whose kid is the fragment of the header's
    ``kid`` (``<base>/.well-known/jwks.json#<kid>``, or a bare kid); the signature is checked
    with that key's own algorithm only (ES256 or EdDSA), so a token cannot choose a weaker one;
    ``iat`` must fall inside the key's period (PublicKey.covers), as for PDF signatures.
    ``code`` is one of JWT_CODES; ``claims`` is None unless the signature verified, ``key``
    None unless it was found. Never raises on bad input.
    """
    from cryptography.hazmat.primitives import serialization

    try:
        header = jwt.get_unverified_header(token)
    except (jwt.DecodeError, TypeError, ValueError):
        return "malformed", None, None
    kid = str(header.get("kid") or "").rsplit("#", 1)[-1]
    key = next((k for k in keys if k.kid == kid), None)
    if key is None:
        return "unknown_key", None, None
    if header.get("alg") != key.algorithm:
        return "bad_signature", None, key
    try:
        public = serialization.load_pem_public_key(key.public_pem.encode())
        # Leeway: the same clock drift between app servers that keys.ROTATION_GRACE allows.
        claims = jwt.decode(token, public, algorithms=[key.algorithm], leeway=300,
                            options={"require": ["iat"], "verify_aud": False})
    except jwt.InvalidSignatureError:
        return "bad_signature", None, key
    except jwt.ImmatureSignatureError:
        return "not_yet_valid", None, key
    except (jwt.InvalidTokenError, ValueError, TypeError):
        return "malformed", None, key
    try:
        signed_at = datetime.fromtimestamp(int(claims["iat"]), UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return "malformed", None, key
    if not key.covers(signed_at):
        return "key_out_of_period", None, key
    return "valid", claims, key


def verify_badge(token: str, keys: list) -> dict:
    """Verify an Open Badge VC-JWT offline (no network, no database).

    Returns ``{"ok": bool, "reason_code": str, "credential": dict | None, "kid": str | None,
    "signed_at": ISO 8601 UTC str | None, "status_list": url | None, "status_index": int | None,
    "note": str | None}``. ``reason_code`` is one of JWT_CODES or ``not_a_badge`` (signed by us
    but not an OpenBadgeCredential); ``credential`` the ``vc`` claim once the signature holds.
    ``ok`` means the platform issued this badge and nothing in it changed; it cannot mean the
    certificate still holds: ``note`` (set when ``ok``, in the current locale) says to check the
    status list entry (``status_list``, ``status_index``, from ``credentialStatus``, W3C
    Bitstring Status List) or, for badges from before the status list, the verification page.
    """
    code, claims, key = verify_jwt(token, keys)
    result = {"ok": False, "reason_code": code, "credential": None, "kid": key.kid if key else None,
              "signed_at": None, "status_list": None, "status_index": None, "note": None}
    if code != "valid":
        return result
    vc = claims.get("vc")
    if not isinstance(vc, dict) or "OpenBadgeCredential" not in (vc.get("type") or []):
        result["reason_code"] = "not_a_badge"
        return result
    result.update(ok=True, credential=vc,
                  signed_at=datetime.fromtimestamp(int(claims["iat"]), UTC).isoformat().replace("+00:00", "Z"))
    status = vc.get("credentialStatus")
    page = str(vc.get("id") or "")
    if (isinstance(status, dict) and status.get("type") == "BitstringStatusListEntry"
            and str(status.get("statusListIndex", "")).isdigit()):
        result["status_list"] = status.get("statusListCredential")
        result["status_index"] = int(status["statusListIndex"])
        result["note"] = str(OFFLINE_BADGE_NOTE % {"list": result["status_list"], "index": result["status_index"],
                                                   "page": page})
    else:
        result["note"] = str(OFFLINE_BADGE_NOTE_NO_LIST % {"page": page})
    return result
