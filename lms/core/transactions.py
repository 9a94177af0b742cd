"""Work that must follow the database transaction it belongs to.

Files on disk cannot be rolled back: a replaced upload may be deleted only once the database
has committed its replacement, and a new upload must go again if the transaction does not
commit (a rollback, or a request that fails and closes the session).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

_ON_COMMIT = "lms.on_commit"
_ON_ABORT = "lms.on_abort"


def on_commit(session: Session, action: Callable[[], None]) -> None:
    session.info.setdefault(_ON_COMMIT, []).append(action)


def on_abort(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` if the current transaction ends without committing."""
    session.info.setdefault(_ON_ABORT, []).append(action)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_ON_ABORT, None)
    for action in session.info.pop(_ON_COMMIT, []):
        action()


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    session.info.pop(_ON_COMMIT, None)
    for action in session.info.pop(_ON_ABORT, []):
        action()
