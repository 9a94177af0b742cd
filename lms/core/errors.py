"""Errors that services raise for the user to read: views flash them, CLI prints them."""

from __future__ import annotations


class ServiceError(Exception):
    """A rule refused the operation; ``str(err)`` is a translated, user-facing message."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class NotFound(ServiceError):
    pass
