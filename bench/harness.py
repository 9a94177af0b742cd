"""Shared pieces for the HTTP benchmarks: a gunicorn server on loopback, a load generator,
and signed session cookies for simulated learners (made with the app's own key, so setting
up thousands of learners does not cost thousands of logins).

Every request goes to 127.0.0.1 only; each run is bounded in requests and seconds.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, env: dict, workers: int = 4, app: str = "bench.wsgi_bench:app"):
        self.port = free_port()
        self.env = {**os.environ, **env}
        self.cmd = [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                    "--log-level", "warning", app]
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/_bare")
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(q * len(data)))]

    def line(self) -> str:
        return (f"{self.name:<22} {self.requests:>7} req  {self.rps:>8.1f} req/s  "
                f"p50 {self.pct(0.5):>7.1f} ms  p95 {self.pct(0.95):>7.1f} ms  errors {self.errors}"
                + (f" {self.statuses}" if self.errors else ""))


def load(name: str, port: int, make_request, concurrency: int = 8, seconds: float = 10.0,
         max_requests: int = 100_000) -> Result:
    """Run ``make_request(i) -> (method, path, body, headers, expected_statuses)`` from
    ``concurrency`` threads until the time or the request budget is spent."""
    latencies: list[float] = []
    errors = [0]
    statuses: dict = {}
    counter = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker():
        while True:
            with lock:
                if counter[0] >= max_requests or time.perf_counter() >= stop_at:
                    return
                i = counter[0]
                counter[0] += 1
            method, path, body, headers, ok = make_request(i)
            if path is None:
                return
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                good = response.status in ok
                status = response.status
            except OSError:
                good, status = False, "conn"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                if not good:
                    errors[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(name, len(latencies), errors[0], time.perf_counter() - started, latencies, statuses)


def session_cookie(app, user_id: int) -> tuple[str, str]:
    """A signed session cookie for ``user_id`` and the CSRF token that goes with it, made by
    the same ``login_user`` a sign-in runs, for a client on 127.0.0.1 that sends no
    User-Agent (http.client's requests): so the server sees exactly what a signed-in
    client's cookie holds, session-protection identifier included."""
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from lms.auth.models import User
    from lms.extensions import db

    # A fresh app context (so a fresh ``g``) each time: generate_csrf caches its token there.
    with app.app_context(), app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        login_user(db.session.get(User, user_id))
        token = generate_csrf()
        value = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return f"{app.config.get('SESSION_COOKIE_NAME', 'session')}={value}", token


def median(values):
    return statistics.median(values) if values else float("nan")


class ThrowawayPostgres:
    """A PostgreSQL database created for one benchmark run and dropped afterwards;
    ``url`` is None (with ``reason``) when the server does not answer."""

    def __init__(self, server_url: str):
        import uuid

        self.server_url = server_url
        self.name = f"lms_bench_{uuid.uuid4().hex[:8]}"
        self.url: str | None = None
        self.reason = ""

    def __enter__(self):
        import psycopg

        try:
            with psycopg.connect(self.server_url, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
        except psycopg.OperationalError as err:
            self.reason = str(err)
            return self
        self.url = self.server_url.rsplit("/", 1)[0] + "/" + self.name
        return self

    def __exit__(self, *exc):
        import psycopg

        if self.url:
            with psycopg.connect(self.server_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def on_each_database(run, postgres: str) -> None:
    """``run(label, database_url, tmpdir)`` on a fresh SQLite file, then on a throw-away
    PostgreSQL database of ``postgres`` (skipped when it is "none" or does not answer)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", tmp)
    if postgres == "none":
        return
    with ThrowawayPostgres(postgres) as pg:
        if pg.url is None:
            print(f"[PostgreSQL] skipped: {pg.reason}")
            return
        with tempfile.TemporaryDirectory() as tmp:
            run("PostgreSQL", pg.url, tmp)


def app_env(database_url: str, tmp: str) -> dict:
    """Environment for the app under gunicorn: production settings, rate limits off."""
    import uuid

    return {"LMS_CONFIG": "production", "LMS_SECRET_KEY": uuid.uuid4().hex, "LMS_SESSION_COOKIE_SECURE": "false",
            "LMS_RATELIMIT_ENABLED": "false", "LMS_INSTANCE_PATH": tmp, "LMS_DATABASE_URL": database_url}
