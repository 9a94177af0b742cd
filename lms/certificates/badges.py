"""Open Badges 3.0: each certificate as an OpenBadgeCredential, signed as a VC-JWT with the
same Ed25519 key that signs the PDFs (public key at /.well-known/jwks.json)."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt

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
        "credentialStatus": {"id": f"{base}/verify/{cert.code}.json", "type": "1EdTechRevocationList"},
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
    headers = {"kid": f"{base_url.rstrip('/')}/.well-known/jwks.json#{signer.kid}", "typ": "JWT"}
    return jwt.encode(claims, signer.private_key, algorithm=signer.algorithm, headers=headers)
