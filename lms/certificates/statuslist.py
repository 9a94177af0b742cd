"""The revocation status list: one public, signed bitstring in which bit *i* says whether
certificate row *i* is revoked (W3C "Bitstring Status List v1.0", https://www.w3.org/TR/vc-bitstring-status-list/).

Every Open Badge credential points at its bit (``credentialStatus``, a ``BitstringStatusListEntry``
with ``statusListIndex`` = the certificate's id), so a verifier holding a badge signed before the
revocation learns of it by fetching one document for every badge, without telling the platform
which badge it checks. The list is served at ``/status/revocation`` as a VC-JWT signed with the
current certificate key (lms.certificates.keys), so it is checked with the same key set as the
badges.

The bit rules come from the specification (§ "Bitstring Encoding"): the list is GZIP-compressed,
then base64url-encoded without padding and given the multibase prefix ``u``; index 0 is the most
significant bit of the first byte; an uncompressed list has at least 131,072 bits (16 KiB), so
the list of a small issuer does not single out its holders ("herd privacy").

Building and reading the list are pure functions (no database, no app), tested as such.
"""

from __future__ import annotations

import base64
import gzip
import io
import time
from collections.abc import Iterable
from datetime import UTC, datetime

# §"Bitstring Status List Credential": "a minimum uncompressed size of 16KB" (131,072 bits).
MIN_BITS = 131_072
STATUS_PATH = "/status/revocation"
# Verifiers may keep the list this long (seconds): the Cache-Control max-age of the route and the
# list's own ``ttl`` (milliseconds), so a revocation reaches every verifier within five minutes.
MAX_AGE = 300
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


class StatusListError(ValueError):
    """A status list that cannot be read: bad signature, wrong type, not a bitstring, index
    outside the list. ``code`` says which (``bad_list``, ``index_out_of_range`` or one of
    lms.certificates.badges.verify_jwt's codes)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


def list_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}{STATUS_PATH}"


def entry_for(cert_id: int, base_url: str) -> dict:
    """The ``credentialStatus`` of a certificate's badge: a BitstringStatusListEntry whose index
    is the certificate row's id (a string, as the specification asks)."""
    url = list_url(base_url)
    return {"id": f"{url}#{cert_id}", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": str(cert_id), "statusListCredential": url}


def bitstring(revoked_ids: Iterable[int], min_bits: int = MIN_BITS) -> bytes:
    """The uncompressed list: bit ``i`` (most significant bit of byte 0 is 0) set for each id.

    Its length is ``min_bits`` or, once an id reaches past it, the next multiple of ``min_bits``:
    growing in whole blocks keeps the list's length from telling how many certificates exist.
    Raises ValueError for a negative id.
    """
    ids = sorted(set(revoked_ids))
    if ids and ids[0] < 0:
        raise ValueError(f"negative status list index {ids[0]}")
    bits = min_bits
    if ids and ids[-1] >= bits:
        bits = (ids[-1] // min_bits + 1) * min_bits
    data = bytearray(bits // 8)
    for i in ids:
        data[i // 8] |= 0x80 >> (i % 8)
    return bytes(data)


def encode(bits: bytes) -> str:
    """Multibase base64url (prefix ``u``, no padding) of the GZIP-compressed bitstring.

    ``mtime=0`` keeps the bytes the same for the same list, so caches and tests compare them."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    """The uncompressed bitstring of an ``encodedList``. Raises StatusListError("bad_list")."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("bad_list", "encodedList is not multibase base64url")
    body = encoded[1:]
    try:
        # The compressed list of 16 KiB of zeros is a few dozen bytes; cap what a hostile list
        # could expand to (a bomb) at 16 MiB, i.e. 134 million certificates.
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as fh:
            bits = fh.read(16 * 1024 * 1024 + 1)
    except (ValueError, OSError, EOFError) as err:
        raise StatusListError("bad_list", str(err)) from err
    if len(bits) > 16 * 1024 * 1024:
        raise StatusListError("bad_list", "list larger than 16 MiB")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    """Bit ``index`` of an uncompressed list. Raises StatusListError("index_out_of_range")."""
    if index < 0 or index >= len(bits) * 8:
        raise StatusListError("index_out_of_range", f"index {index} outside a list of {len(bits) * 8} bits")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0, tzinfo=UTC).isoformat().replace("+00:00", "Z")


def build_credential(revoked_ids: Iterable[int], *, base_url: str, issuer_id: str, now: datetime) -> dict:
    """The BitstringStatusListCredential (VC data model 2.0) for ``revoked_ids``; ``now`` naive UTC."""
    url = list_url(base_url)
    return {
        "@context": [VC_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": _iso(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(bitstring(revoked_ids)),
            "ttl": MAX_AGE * 1000,
        },
    }


def sign(credential: dict, signer, base_url: str) -> str:
    """The list as a VC-JWT (``vc`` claim, as the badges are), signed by ``signer``
    (lms.certificates.keys.Signer) with its kid in the header and ``iat`` now."""
    now = int(time.time())
    claims = {"vc": credential, "iss": credential["issuer"], "jti": credential["id"],
              "sub": credential["credentialSubject"]["id"], "iat": now, "nbf": now}
    from lms.certificates.keys import encode_jwt

    return encode_jwt(claims, signer, base_url)


def revoked(list_token: str, index: int, keys: list, *, expected_url: str | None = None) -> bool:
    """Whether bit ``index`` is set in a signed revocation list (the body of ``/status/revocation``).

    ``keys``: the published key set (lms.certificates.keys.PublicKey); the list must be signed by
    one of them inside its period, exactly as a badge (lms.certificates.badges.verify_jwt).
    ``expected_url``: the ``statusListCredential`` the badge named; a list with another id is
    refused, so a list of another issuer cannot answer for ours.
    Raises StatusListError with the reason when the list cannot be trusted or read.
    """
    from lms.certificates.badges import verify_jwt

    code, claims, _key = verify_jwt(list_token, keys)
    if code != "valid":
        raise StatusListError(code)
    vc = claims.get("vc") if isinstance(claims, dict) else None
    subject = vc.get("credentialSubject") if isinstance(vc, dict) else None
    if (not isinstance(subject, dict) or "BitstringStatusListCredential" not in (vc.get("type") or [])
            or subject.get("type") != "BitstringStatusList" or subject.get("statusPurpose") != "revocation"):
        raise StatusListError("bad_list", "not a revocation BitstringStatusListCredential")
    if expected_url is not None and vc.get("id") != expected_url:
        raise StatusListError("bad_list", f"list {vc.get('id')!r} is not {expected_url!r}")
    return is_set(decode(subject.get("encodedList")), index)
