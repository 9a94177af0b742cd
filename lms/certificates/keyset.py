"""The published key set as plain data: what verification needs, importable without Flask or
the database (the verification sandbox's child process starts with it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization

# A server that read the current key just before another one rotated it may sign for a few
# more seconds; clocks of app servers also drift a little.
ROTATION_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class PublicKey:
    """One published key, as plain data (it crosses into the verification sandbox as JSON).

    Times are naive UTC. ``valid_until`` None: the current key.
    """

    kid: str
    algorithm: str
    public_pem: str
    certificate_pem: str | None
    valid_from: datetime
    valid_until: datetime | None

    def covers(self, moment: datetime) -> bool:
        """Whether something signed at ``moment`` (naive UTC) falls in this key's period."""
        if moment < self.valid_from - ROTATION_GRACE:
            return False
        return self.valid_until is None or moment <= self.valid_until + ROTATION_GRACE

    def spki_der(self) -> bytes:
        return serialization.load_pem_public_key(self.public_pem.encode()).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    def to_json(self) -> dict:
        return {"kid": self.kid, "algorithm": self.algorithm, "public_pem": self.public_pem,
                "certificate_pem": self.certificate_pem, "valid_from": self.valid_from.isoformat(),
                "valid_until": self.valid_until.isoformat() if self.valid_until else None}

    @classmethod
    def from_json(cls, data: dict) -> PublicKey:
        until = data.get("valid_until")
        return cls(kid=data["kid"], algorithm=data["algorithm"], public_pem=data["public_pem"],
                   certificate_pem=data.get("certificate_pem"),
                   valid_from=datetime.fromisoformat(data["valid_from"]),
                   valid_until=datetime.fromisoformat(until) if until else None)
