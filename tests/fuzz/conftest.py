"""Fixtures of the fuzz tests: a seeded platform on each database, rate limits off."""

from __future__ import annotations

import pytest

from lms.extensions import limiter
from tests.fuzz.world import build_fuzz_world

SITE = "https://hoc.example.vn"


@pytest.fixture
def fuzz_app(any_db_app):
    """The seeded platform (tests/fuzz/world.py) on SQLite, then on PostgreSQL.

    Rate limits are switched off for the run: the fuzz sends hundreds of requests a
    minute from one address, and what it tests is input handling, not the limiter (the
    limiter's own tests cover 429).  The switch is the extension's run-time flag, put back
    afterwards; a RATELIMIT_ENABLED setting would stick to the shared extension object
    and disable limits in every later test of the process."""
    any_db_app.config["PUBLIC_BASE_URL"] = SITE  # xAPI statements need it
    any_db_app.fuzz_world = build_fuzz_world()
    was = limiter.enabled
    limiter.enabled = False
    try:
        yield any_db_app
    finally:
        limiter.enabled = was
