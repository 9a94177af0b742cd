"""The scope matrix's world, built once per database, and the figures it prints."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from lms.extensions import db
from tests.conftest import (
    PG_URL,
    SERVER_URL,
    _migrate,
    _testing_overrides,
    make_test_app,
    require_pg,
    truncate_all,
)


class Figures:
    """Requests, statuses and leaks per database and role, for the terminal summary."""

    def __init__(self):
        self.rows: dict[tuple[str, str], dict] = {}

    def record(self, variant, role, requests, statuses, leaks, errors):
        self.rows[(variant, role)] = {"requests": requests, "statuses": Counter(statuses), "leaks": list(leaks),
                                      "errors": list(errors)}

    def lines(self) -> list[str]:
        out = []
        for variant in sorted({v for v, _ in self.rows}):
            rows = {role: r for (v, role), r in self.rows.items() if v == variant}
            total, statuses, leaks, errors = 0, Counter(), 0, 0
            out.append(f"scope matrix on {variant}:")
            for role, r in rows.items():
                total += r["requests"]
                statuses.update(r["statuses"])
                leaks += len(r["leaks"])
                errors += len(r["errors"])
                hist = " ".join(f"{k}:{n}" for k, n in sorted(r["statuses"].items()))
                out.append(f"  {role:<10} requests {r['requests']:>4}  leaks {len(r['leaks']):>3}  "
                           f"5xx {len(r['errors'])}  [{hist}]")
            hist = " ".join(f"{k}:{n}" for k, n in sorted(statuses.items()))
            out.append(f"  {'total':<10} requests {total:>4}  leaks {leaks:>3}  5xx {errors}  [{hist}]")
            for r in rows.values():
                out.extend(f"    {line}" for line in r["leaks"] + r["errors"])
        return out


FIGURES = Figures()
# No rate limit hides a leak behind a 429; the xAPI feed needs the public address (else 503).
MATRIX_CONFIG = {"RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": "https://hoc.example.vn"}


def pytest_terminal_summary(terminalreporter):
    if FIGURES.rows:
        terminalreporter.section("scope matrix")
        for line in FIGURES.lines():
            terminalreporter.write_line(line)


def _pg_app(tmp):
    import psycopg

    require_pg()
    name = f"lms_mtx_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    from lms import create_app

    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    app = create_app({"TESTING": True, "DATABASE_URL": url, **_testing_overrides(), **MATRIX_CONFIG},
                     instance_path=str(tmp))
    from tests.conftest import FreshContextClient

    app.test_client_class = FreshContextClient
    _migrate(app)
    return app, name


@pytest.fixture(scope="module", params=["main", pytest.param("postgres", marks=pytest.mark.postgres)])
def matrix(request, _template, tmp_path_factory):
    """(app, world): the world built once per database (SQLite or the CI PostgreSQL as the main
    database, then a private PostgreSQL database); tests put back what they change."""
    from tests.support.world import build_world

    tmp = tmp_path_factory.mktemp(f"matrix-{request.param}")
    dropped = None
    if request.param == "main":
        app = make_test_app(_template, tmp, **MATRIX_CONFIG)
    else:
        if SERVER_URL:
            pytest.skip("the main database is already PostgreSQL in this run")
        app, dropped = _pg_app(tmp)
    with app.app_context():
        world = build_world(app)
        db.session.remove()
    try:
        yield app, world
    finally:
        if dropped is None:
            if _template is None:
                truncate_all(app)
        else:
            import psycopg

            with app.app_context():
                db.engine.dispose()
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')
