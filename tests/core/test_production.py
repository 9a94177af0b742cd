"""The production path for real: gunicorn with several workers, PostgreSQL and Redis.

Rate limits must hold across workers (Redis), sessions must work whichever worker answers.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG = os.environ.get("LMS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = "redis://127.0.0.1:6379/15"


def _need(service: str, check):
    try:
        check()
    except Exception as exc:  # any connection error means "not here"
        if os.environ.get("CI"):
            pytest.fail(f"CI needs {service}: {exc}")
        pytest.skip(f"{service} is not reachable: {exc}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import psycopg
    import redis

    _need("PostgreSQL", lambda: psycopg.connect(PG, connect_timeout=3).close())
    _need("Redis", lambda: redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping())
    redis.Redis.from_url(REDIS).flushdb()
    name = "lms_prod_test"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    instance = tmp_path_factory.mktemp("instance")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LMS_CONFIG": "production", "LMS_DATABASE_URL": PG.rsplit("/", 1)[0] + "/" + name,
           "LMS_REDIS_URL": REDIS, "LMS_SECRET_KEY": "production-test-key", "LMS_INSTANCE_PATH": str(instance),
           "LMS_LOGIN_RATE_LIMIT": "3 per minute", "LMS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    # This checkout's code (``python -c``, run from ROOT), whichever one the ``lms`` script points to.
    lms = [sys.executable, "-c", "from lms.cli import main; main()"]
    subprocess.run([*lms, "init"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*lms, "demo", "--allow-in-production"], env=env, cwd=ROOT, check=True, capture_output=True)
    with psycopg.connect(env["LMS_DATABASE_URL"], autocommit=True) as conn:
        # Demo accounts in production must change the public password first (issue 14, fault 9);
        # these tests are about workers and cookies, so gv.cva has done so already.
        conn.execute("UPDATE user_account SET must_change_password = false WHERE username = 'gv.cva'")
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "3", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                            cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.3)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Browser:
    """A cookie-keeping client that reads the CSRF token from pages, like a person's browser.
    The production cookie is Secure; over plain HTTP on loopback we pass it on ourselves."""

    def __init__(self, base):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.last_set_cookie = ""

    def request(self, method, path, data=None):
        parsed = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                self.last_set_cookie = value
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def token(self, path="/login"):
        _, html = self.request("GET", path)
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def test_health_reports_database_and_redis(server):
    with urllib.request.urlopen(f"{server}/healthz") as response:
        import json

        assert json.load(response) == {"status": "ok", "database": "ok", "redis": "ok"}


def test_login_rate_limit_is_shared_by_all_workers(server):
    statuses = []
    for _ in range(8):
        browser = Browser(server)  # a new connection each time: any worker may answer
        token = browser.token()
        statuses.append(browser.request("POST", "/login", {"csrf_token": token, "username": "admin",
                                                           "password": "wrong-password"})[0])
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses[3:6], statuses


def test_session_works_across_workers_and_cookie_is_hardened(server):
    import redis

    redis.Redis.from_url(REDIS).flushdb()  # forget the previous test's failed logins
    browser = Browser(server)
    token = browser.token()
    status, _ = browser.request("POST", "/login", {"csrf_token": token, "username": "gv.cva",
                                                   "password": "demo-dvc-2026"})
    assert status == 302
    cookie = browser.last_set_cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    for _ in range(10):
        status, html = browser.request("GET", "/profile")
        assert status == 200 and "Lê Văn Đức" in html


def test_forged_host_is_refused_under_gunicorn(server):
    """Issue 14, fault 10: production answers only to LMS_PUBLIC_BASE_URL's host."""
    import json

    parsed = urllib.parse.urlsplit(server)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.request("GET", "/issuer", headers={"Host": "evil.example.com"})
    response = conn.getresponse()
    assert response.status == 400 and b"evil" not in response.read()
    with urllib.request.urlopen(f"{server}/issuer") as response:
        assert json.load(response)["id"] == f"{server}/issuer"
