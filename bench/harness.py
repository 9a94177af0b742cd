"""Shared pieces for the HTTP benchmarks: a gunicorn server on loopback, load driven by wrk
(Debian's `wrk`, `make bench` installs it), the server's CPU time per request, and signed
session cookies for simulated learners (made with the app's own key, so setting up thousands
of learners does not cost thousands of logins).

Load comes from wrk, not Python threads: on this 2-core machine a Python load generator takes
a core from the server. Each measured request kind is one wrk run (``-t1 -c8 -d<seconds>`` by
default) with a Lua script generated into a temp dir; a run over per-learner requests rotates
over a list of entries written beside it, one learner per request, or sends each entry once
(``once=True``: one submission per attempt) and stops when the list is used up.

Every request goes to 127.0.0.1 only; each run is bounded in requests and seconds.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_stat(pid: int) -> tuple[int, float, float] | None:
    """(ppid, own CPU seconds, reaped children's CPU seconds) of ``pid`` from /proc/<pid>/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) "; fields[0] is the state
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return int(fields[1]), (utime + stime) / CLOCK_TICKS, (cutime + cstime) / CLOCK_TICKS


class Gunicorn:
    def __init__(self, env: dict, workers: int = 4, app: str = "bench.wsgi_bench:app"):
        self.port = free_port()
        self.env = {**os.environ, **env}
        self.cmd = [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                    "--log-level", "warning", app]
        self.proc = None
        # A PostgreSQL database's backends are found by their process title, which names it.
        url = env.get("LMS_DATABASE_URL", "")
        self.db_name = url.rsplit("/", 1)[-1].split("?")[0] if url.startswith("postgresql") else None

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

    def cpu_seconds(self) -> tuple[float, float | None]:
        """CPU time (user + system) used so far by the gunicorn master and its workers: the
        master's own and reaped children's time from /proc/<master>/stat, plus each live
        worker's (every process whose ppid is the master). Second, on PostgreSQL, that of the
        backends serving the benchmark's database (None on SQLite)."""
        master = self.proc.pid
        own = _proc_stat(master)
        total = own[1] + own[2] if own else 0.0
        database = 0.0 if self.db_name else None
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            stat = _proc_stat(int(entry.name))
            if stat and stat[0] == master:
                total += stat[1] + stat[2]
            elif stat and self.db_name:
                try:
                    title = Path(f"/proc/{entry.name}/cmdline").read_bytes().decode(errors="replace")
                except OSError:
                    continue
                if title.startswith("postgres:") and f" {self.db_name} " in title:
                    database += stat[1]
        return total, database


@dataclass
class Request:
    """One HTTP request for wrk: method, path, headers (cookie, CSRF header, content type), body."""
    method: str
    path: str
    headers: dict = field(default_factory=dict)
    body: str | None = None


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    percentiles_ms: dict  # {0.5: p50, 0.95: p95, 0.99: p99}, from wrk's latency histogram
    statuses: dict | None = None
    cpu_ms: float | None = None  # server (gunicorn master + workers) CPU time over the run
    client_cpu_ms: float | None = None  # wrk's own CPU time
    db_cpu_ms: float | None = None  # PostgreSQL backends' CPU time (None on SQLite)
    exhausted: bool = False  # a once-per-entry run that used up its list before the time was up

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_ms / self.requests if self.requests and self.cpu_ms is not None else float("nan")

    def pct(self, q: float) -> float:
        return self.percentiles_ms.get(q, float("nan"))

    def line(self) -> str:
        client = (f"  (wrk {self.client_cpu_ms / 10 / self.seconds:.0f}% cpu)"
                  if self.client_cpu_ms is not None and self.seconds else "")
        return (f"{self.name:<26} {self.requests:>7} req  {self.rps:>8.1f} req/s  "
                f"p50 {self.pct(0.5):>6.1f} ms  p95 {self.pct(0.95):>6.1f} ms  "
                f"cpu {self.cpu_ms_per_request:>5.2f} ms/req"
                + (f" (+db {self.db_cpu_ms / self.requests:.2f})" if self.db_cpu_ms is not None and self.requests else "")
                + f"  errors {self.errors}"
                + (f" {self.statuses}" if self.errors else "")
                + (" (list used up)" if self.exhausted else "") + client)


def lua_string(value: str) -> str:
    """A Lua string literal for ``value`` (as UTF-8 bytes), safe for any content."""
    out = []
    for byte in value.encode():
        char = chr(byte)
        out.append(char if 32 <= byte < 127 and char not in '"\\' else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


# The wrk script: %(...)s are filled in per run. Thread k of N takes entries k+1, k+1+N, ...
# of the entry list; request() rotates over them, or (ONCE) sends each once and then stops wrk
# (the thread, and wrk's main sleep with SIGINT, so the duration is the time the list took).
WRK_SCRIPT = r"""-- generated by bench/harness.py for one wrk run
local ENTRIES = %(entries)s
local NTHREADS = %(threads)d
local EXPECT = {%(expect)s}
local ONCE = %(once)s
local FILLER = %(filler)s
local LOGIN = %(login)s

local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local has_ffi, ffi = pcall(require, "ffi")
if has_ffi then
  ffi.cdef[[int getpid(void); int kill(int pid, int sig);]]
end

local reqs, n, i
function init(args)
  local all = dofile(ENTRIES)
  reqs = {}
  for k = tid + 1, #all, NTHREADS do
    local e = all[k]
    reqs[#reqs + 1] = wrk.format(e[1], e[2], e[3], e[4])
  end
  n, i = #reqs, 0
  statuses, unexpected, login, exhausted = {}, 0, 0, 0
end

-- wrk calls request() once before the run to check the request: in ONCE mode thread 1's
-- first entry is therefore skipped, never sent twice.
function request()
  if i >= n then
    if not ONCE then
      i = 0
    else
      if exhausted == 0 then
        exhausted = 1
        wrk.thread:stop()
        if has_ffi then ffi.C.kill(ffi.C.getpid(), 2) end
      end
      return wrk.format("GET", FILLER)  -- never read: the thread is stopping
    end
  end
  i = i + 1
  return reqs[i]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if not EXPECT[status] then
    unexpected = unexpected + 1
  elseif LOGIN and status >= 300 and status < 400 then
    local location = headers["Location"] or headers["location"] or ""
    if location:find(LOGIN, 1, true) then login = login + 1 end
  end
end

function done(summary, latency, requests)
  local st, unexp, lgn, exh = {}, 0, 0, 0
  for _, t in ipairs(threads) do
    for code, count in pairs(t:get("statuses") or {}) do st[code] = (st[code] or 0) + count end
    unexp = unexp + (t:get("unexpected") or 0)
    lgn = lgn + (t:get("login") or 0)
    exh = exh + (t:get("exhausted") or 0)
  end
  local codes = {}
  for code, count in pairs(st) do codes[#codes + 1] = string.format('"%%d": %%d', code, count) end
  local e = summary.errors
  io.write(string.format(
    'WRK_SUMMARY {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, ' ..
    '"non_2xx_3xx": %%d, "unexpected": %%d, "login_redirects": %%d, "exhausted": %%d, ' ..
    '"socket_errors": {"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d}, "statuses": {%%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.status, unexp, lgn, exh, e.connect, e.read, e.write, e.timeout,
    table.concat(codes, ", ")))
end
"""


def wrk_path() -> str:
    path = shutil.which("wrk")
    if not path:
        sys.exit("wrk is not installed: `apt-get install wrk` (Debian package; `make bench` installs it)")
    return path


def load(name: str, server: Gunicorn, requests: Request | list[Request], *, expect=(200,),
         once: bool = False, seconds: float = 10.0, connections: int = 8, threads: int = 1,
         login_path: str | None = "/login", filler: str = "/_bare") -> Result:
    """One wrk run against ``server``: a single request repeated, or a list of requests
    (one learner per request) rotated over, or each sent once (``once``) until the list or the
    time runs out. A status outside ``expect``, a redirect to ``login_path`` (a cookie the server
    did not take) and a socket error count as errors. Measures the server's CPU time too."""
    entries = [requests] if isinstance(requests, Request) else list(requests)
    duration = max(1, round(seconds))
    with tempfile.TemporaryDirectory(prefix="wrk-") as tmp:
        entries_file = Path(tmp) / "entries.lua"
        with entries_file.open("w") as out:
            out.write("return {\n")
            for r in entries:
                headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in r.headers.items())
                body = lua_string(r.body) if r.body is not None else "nil"
                out.write(f"{{{lua_string(r.method)}, {lua_string(r.path)}, {{{headers}}}, {body}}},\n")
            out.write("}\n")
        script = Path(tmp) / "run.lua"
        script.write_text(WRK_SCRIPT % {
            "entries": lua_string(str(entries_file)), "threads": threads,
            "expect": ", ".join(f"[{int(code)}] = true" for code in expect), "once": "true" if once else "false",
            "filler": lua_string(filler), "login": lua_string(login_path) if login_path else "nil"})
        command = [wrk_path(), "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "30s",
                   "-s", str(script), f"http://127.0.0.1:{server.port}/"]
        client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_before, db_before = server.cpu_seconds()
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120)
        cpu_after, db_after = server.cpu_seconds()
        client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary_line = next((line for line in done.stdout.splitlines() if line.startswith("WRK_SUMMARY ")), None)
    if done.returncode or summary_line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    summary = json.loads(summary_line.removeprefix("WRK_SUMMARY "))
    socket_errors = sum(summary["socket_errors"].values())
    statuses = {int(code): count for code, count in sorted(summary["statuses"].items())}
    if socket_errors:
        statuses["socket"] = socket_errors
    if summary["login_redirects"]:
        statuses["to login"] = summary["login_redirects"]
    client_cpu = ((client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime))
    return Result(
        name, summary["requests"], summary["unexpected"] + summary["login_redirects"] + socket_errors,
        summary["duration_us"] / 1e6,
        {0.5: summary["p50_us"] / 1000, 0.95: summary["p95_us"] / 1000, 0.99: summary["p99_us"] / 1000},
        statuses, cpu_ms=(cpu_after - cpu_before) * 1000, client_cpu_ms=client_cpu * 1000,
        exhausted=bool(summary["exhausted"]),
        db_cpu_ms=(db_after - db_before) * 1000 if db_before is not None else None)


def report(results: dict, bare: str = "bare", signed_in: str | None = "signed_in", targets: dict | None = None) -> None:
    """Print each result's line, then its req/s and server CPU-ms per request as ratios to the
    bare endpoint and to the signed-in no-op (all measured side by side on one server). The
    CPU is gunicorn's (master and workers); on PostgreSQL the line adds its backends' as +db."""
    targets = targets or {}
    for r in results.values():
        print("  " + r.line())
    base = [("bare", results[bare])] + ([("signed-in", results[signed_in])] if signed_in else [])
    names = "".join(f"{'÷' + label:>12}" for label, _ in base)
    print(f"  {'ratios':<26}  req/s{names}   cpu ms/req{names}")
    for key, r in results.items():
        if key == bare:
            continue
        rps = "".join(f"{r.rps / b.rps if b.rps else float('nan'):>12.2f}" for _, b in base)
        cpu = "".join(f"{r.cpu_ms_per_request / b.cpu_ms_per_request:>12.2f}" for _, b in base)
        print(f"  {r.name:<26}       {rps}             {cpu}{targets.get(key, '')}")


def session_cookie(app, user_id: int) -> tuple[str, str]:
    """A signed session cookie for ``user_id`` and the CSRF token that goes with it, made by
    the same ``login_user`` a sign-in runs, for a client on 127.0.0.1 that sends no
    User-Agent (wrk's requests): so the server sees exactly what a signed-in client's
    cookie holds, session-protection identifier included."""
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
    """Environment for the app under gunicorn: production settings (public address: loopback,
    which production requires to be set), rate limits off."""
    import uuid

    return {"LMS_CONFIG": "production", "LMS_SECRET_KEY": uuid.uuid4().hex, "LMS_SESSION_COOKIE_SECURE": "false",
            "LMS_RATELIMIT_ENABLED": "false", "LMS_INSTANCE_PATH": tmp, "LMS_DATABASE_URL": database_url,
            "LMS_PUBLIC_BASE_URL": "http://127.0.0.1"}
