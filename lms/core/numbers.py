"""Bounds of the whole numbers people type, taken from where the numbers are stored.

A number larger than its column does not fail politely: SQLite raises OverflowError
before the query is sent, PostgreSQL answers "integer out of range", and either is a 500.
So every integer that a form, a query string or a JSON body brings in is checked against
these bounds first, and refused with a message on its field.
"""

from __future__ import annotations

# SQLAlchemy's Integer is PostgreSQL's 4-byte "integer" (and every id column is one):
# PostgreSQL documentation, 8.1.1 "Integer Types", range -2147483648 to +2147483647.
DB_INT_MAX = 2**31 - 1

# Minutes a round's time limit or leaderboard freeze may span: a leap year.  Longer
# values mean nothing for a contest, and a freeze of DB_INT_MAX minutes before the close
# (about 4,000 years) would fall before year 1, which Python's datetime cannot represent.
MINUTES_MAX = 366 * 24 * 60


def db_int(value: int | None) -> int | None:
    """``value`` if a database integer can hold it, else None (for ids read from a query
    string: an id that cannot exist simply finds nothing)."""
    if value is None or not -DB_INT_MAX - 1 <= value <= DB_INT_MAX:
        return None
    return value
