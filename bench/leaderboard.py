"""Benchmark: a round's leaderboard with 100,000 participants, polled while results keep
arriving (issue 17, point 8). Target: p95 < 50 ms with one new result every second, 4 workers,
on SQLite and PostgreSQL.

    .venv/bin/python bench/leaderboard.py [--participants 100000] [--db sqlite|postgres]
        [--workers 4] [--duration 30] [--quiet-duration 10] [--connections 8] [--rate 1]
        [--redis URL|none] [--postgres URL] [--nice N] [--compare REV]

For the code of this tree (and first, with ``--compare REV``, for the code of git revision REV
checked out in a temporary worktree, measured the same way in the same run):

1. A fresh database: a SQLite file, or the PostgreSQL database ``bench_leaderboard`` created on
   the ``--postgres`` server and dropped afterwards (the test suite's ``test`` is never touched).
   The checkout's own migrations build its schema. An open contest with one quiz round whose
   live board is public; ``--participants`` registrations in 200 schools, each with a result
   (bulk insert: set-up, not measured); and, for the churn, a few hundred more registered
   participants (real accounts with session cookies) who have not taken the round yet.
2. gunicorn with ``--workers`` sync workers serving the checkout's ``lms.create_app()`` (plus a
   bare ``/_bare`` endpoint), with Redis as the shared cache as in production (``--redis none``:
   each process's memory, as a site without Redis runs).
3. wrk (``bench/leaderboard.lua``, ``-t1 -c8``) polls, each for ``--duration`` seconds: the bare
   endpoint, ``leaderboard.json`` and the HTML leaderboard, while a driver thread makes one new
   result per second through the real code path over HTTP: a participant starts the round
   (POST .../start), opens the attempt page and submits it with every answer right (the plain
   form POST), so each new result enters the top of the board. Before that, one
   ``leaderboard.json`` run with no new result (``--quiet-duration``), for comparison.
4. Each run prints requests/s, p50, p95, max latency (wrk's histogram, read in the Lua ``done``
   hook), the server's CPU-ms per request (gunicorn master and workers from /proc, before and
   after; on PostgreSQL the database backends' CPU as ``+db``), the response size and the
   results that arrived during the run; then the ratios to the bare endpoint. The server's CPU
   includes the churn's own requests (three a second), which the bare run shows alone.
5. A probe asks ``leaderboard.json`` twice a second during the churn, and for 16 s after it,
   and checks which of the new results it shows: the board's age (how long ago the oldest
   result missing from an answer arrived) tells a board that is fast because it is stale from
   one that is right, and the answers after the last result tell whether every worker catches
   up once results stop.

Load comes from wrk, not Python threads (on this 2-core machine a Python load generator would
take a core from the server); every request goes to 127.0.0.1. With the defaults one code
version takes about 3 minutes at 100,000 participants (set-up about a minute).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LUA = HERE / "leaderboard.lua"
SLUG = "bench-board"
BOARD_JSON = f"/contests/{SLUG}/rounds/1/leaderboard.json"
BOARD_PAGE = f"/contests/{SLUG}/rounds/1/leaderboard"
PG_DATABASE = "bench_leaderboard"
SCHOOLS = 200
CHURN_NAME = "Người nộp bài {:05d}"  # the churn's participants, found on the board by this name

# 30 questions whose right option reads "Đúng i" (what the churn's participants pick).
BANK = "---\ntitle: Bench\ndraw: 10\n---\n" + "\n".join(
    f"## Câu hỏi số {i}: dịch vụ công trực tuyến?\ntags: t{i % 3}\n- [x] Đúng {i}\n- [ ] Sai {i}a\n- [ ] Sai {i}b\n- [ ] Sai {i}c\n"
    for i in range(30)
)
FIRST = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Thị", "Văn", "Đức", "Ngọc", "Minh", "Thu", "Quốc", "Hữu", "Thanh", "Khánh"]
LAST = ["Hoà", "Anh", "Bình", "Châu", "Dũng", "Giang", "Hương", "Khoa", "Linh", "Lụa", "Phúc", "Tuấn", "Yến"]

WSGI_MODULE = '''"""The app under bench/leaderboard.py: the checkout's own app, plus a bare endpoint."""
from lms import create_app

app = create_app()


@app.get("/_bare")
def _bare():
    return "ok"
'''


# --- set-up: runs in a child process with the checkout under test first on sys.path --------


def setup(out: Path, participants: int, churn: int) -> None:
    """Build the contest in the database of ``LMS_DATABASE_URL`` with the code on sys.path (the
    checkout under test): its migrations, its services, its models' columns. Writes the churn's
    participants (name, session cookie, CSRF token) to ``out`` as JSON."""
    import importlib.util
    from datetime import timedelta

    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from lms import create_app
    from lms.auth.models import User
    from lms.contests import organise, ranking
    from lms.contests.models import Registration, RoundEntry
    from lms.contests.services import create_contest
    from lms.core.timeutil import utcnow
    from lms.extensions import db
    from lms.orgs.services import create_org
    from lms.quizzes.formats.markdown import parse_markdown_bank
    from lms.quizzes.services import load_bank

    # The harness of this tree (stdlib only at import) makes the session cookies with the
    # checkout's own login_user and key.
    spec = importlib.util.spec_from_file_location("bench_harness", HERE / "harness.py")
    harness = importlib.util.module_from_spec(spec)
    sys.modules["bench_harness"] = harness  # dataclasses look their module up there
    spec.loader.exec_module(harness)

    app = create_app()
    rng = random.Random(17)
    with app.app_context():
        upgrade()
        load_bank("bench", parse_markdown_bank(BANK))
        province = create_org("BENCH-T", "Tỉnh Mẫu", "province")
        schools = []
        for i in range(SCHOOLS):
            school = create_org(f"BENCH-S{i:03d}", f"Trường Trung học phổ thông Mẫu số {i}", "school", parent=province)
            if hasattr(school, "short_name"):  # migration 0017: the board's unit column
                school.short_name = f"THPT Mẫu {i}"
            schools.append(school.id)
        contest = create_contest(None, SLUG, "Hội thi đo tải bảng xếp hạng")
        contest.status = "open"
        now = utcnow()
        round_ = organise.add_round(None, contest, organise.RoundSettings(
            title="Vòng 1", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1),
            bank_slug="bench", draw=10, time_limit_minutes=60, hide_results_until_close=False))
        db.session.flush()

        names = [f"{FIRST[rng.randrange(12)]} {MIDDLE[rng.randrange(10)]} {LAST[rng.randrange(13)]}"
                 for _ in range(participants)]
        db.session.execute(insert(Registration), [
            {"contest_id": contest.id, "full_name": names[i], "identity_key": f"bench-{i}",
             "org_id": schools[i % SCHOOLS]} for i in range(participants)])
        registration_ids = list(db.session.scalars(
            select(Registration.id).where(Registration.contest_id == contest.id).order_by(Registration.id)))
        columns = set(RoundEntry.__table__.c.keys())
        rows = []
        for registration_id in registration_ids:
            score = rng.randint(0, 40) * 2.5
            seconds = rng.uniform(60, 1800)
            submitted = now - timedelta(seconds=rng.uniform(0, 3500))
            row = {"round_id": round_.id, "registration_id": registration_id, "score": score,
                   "seconds_taken": seconds, "submitted_at": submitted, "prediction": rng.randint(0, 500)}
            if "score_key" in columns:  # migration 0017: the ranking keys the board reads in order
                row["score_key"], row["time_key"] = _ranking_keys(ranking, score, seconds)
            if "changed_at" in columns:
                row["changed_at"] = submitted
            rows.append(row)
        db.session.execute(insert(RoundEntry), rows)

        db.session.execute(insert(User), [
            {"username": f"churn{i:05d}", "full_name": CHURN_NAME.format(i), "name_search": f"nguoi nop bai {i:05d}",
             "kind": "student"} for i in range(churn)])
        users = list(db.session.scalars(select(User).where(User.username.like("churn%")).order_by(User.id)))
        db.session.execute(insert(Registration), [
            {"contest_id": contest.id, "user_id": u.id, "full_name": u.full_name, "identity_key": f"churn-{u.id}",
             "org_id": schools[u.id % SCHOOLS]} for u in users])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # what autovacuum does within a minute of a bulk load
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        plan = []
        for user in users:
            cookie, token = harness.session_cookie(app, user.id)
            plan.append({"name": user.full_name, "cookie": cookie, "token": token})
        db.engine.dispose()
    out.write_text(json.dumps({"participants": participants, "churn": plan}))


def _ranking_keys(ranking, score: float, seconds: float) -> tuple[int, int]:
    """The board's ranking keys (score in hundredths, negated; time in tenths of a second):
    from the checkout's ``ranking.score_key``/``time_key`` when it has them, else with the
    rounding of migration 0017, which fills them for existing results."""
    if hasattr(ranking, "score_key") and hasattr(ranking, "time_key"):
        return ranking.score_key(score), ranking.time_key(seconds)
    return -int(math.floor(score * 100 + 0.5)), int(math.floor(seconds * 10 + 1e-6))


# --- the measurement (runs in the parent process, with this tree on sys.path) ----------------


def call(port: int, method: str, path: str, headers: dict | None = None, body: str | None = None,
         timeout: float = 60) -> tuple[int, str, list[str], bytes]:
    """(status, Location, Set-Cookie headers, body) of one request to 127.0.0.1:``port``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body.encode() if body is not None else None, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, response.getheader("Location", ""), response.msg.get_all("Set-Cookie") or [], data
    finally:
        conn.close()


# One option of a radio/checkbox question on the attempt page, with its text.
OPTION = re.compile(r'<input type="(?:radio|checkbox)" name="q(\d+)" value="(\d+)"[^>]*>\s*'
                    r'<span class="otext">(.*?)</span>', re.S)


def right_answers(page: str) -> tuple[list[tuple[str, str]], bool]:
    """The form fields that answer every question of an attempt page rightly (the option whose
    text says "Đúng"), and whether every question had one (else its first option is sent)."""
    chosen: dict[str, str] = {}
    all_right = True
    for version, value, label in OPTION.findall(page):
        if "Đúng" in re.sub(r"<[^>]+>", "", label):
            chosen[version] = value
    for version, value, _ in OPTION.findall(page):
        if version not in chosen:
            chosen[version] = value
            all_right = False
    return [(f"q{v}", value) for v, value in chosen.items()], all_right and bool(chosen)


class Churn:
    """One new result every 1/``rate`` seconds through the real code path: each participant
    starts the round, opens the attempt page and submits it, each step an HTTP request as a
    browser without JavaScript sends it. A slow server does not slow the schedule: each
    participant runs in a thread of its own (at most 16 at once)."""

    def __init__(self, port: int, participants: list[dict], rate: float):
        self.port, self.rate = port, rate
        self.waiting = list(participants)
        self.results: list[tuple[str, float, bool]] = []  # (name, monotonic time done, all answers right)
        self.flow_seconds: list[float] = []
        self.failures: list[str] = []
        self.ran_out = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._schedule, daemon=True)

    def __enter__(self):
        self.started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=120)
        self.seconds = time.monotonic() - self.started

    def count(self) -> int:
        with self._lock:
            return len(self.results)

    def _schedule(self):
        due = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            while not self._stop.is_set():
                if not self.waiting:
                    self.ran_out = True
                    break
                pool.submit(self._one, self.waiting.pop(0))
                due += 1 / self.rate
                self._stop.wait(max(0.0, due - time.monotonic()))

    def _one(self, participant: dict):
        started = time.monotonic()
        jar = dict(part.split("=", 1) for part in participant["cookie"].split("; "))
        form = "application/x-www-form-urlencoded"

        def send(method, path, body=None):
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
            if body is not None:
                headers["Content-Type"] = form
            status, location, cookies, data = call(self.port, method, path, headers, body)
            for cookie in cookies:  # keep the session the server sends back, as a browser does
                name, _, rest = cookie.partition("=")
                jar[name.strip()] = rest.split(";", 1)[0]
            return status, location, data

        try:
            status, location, _ = send("POST", f"/contests/{SLUG}/rounds/1/start",
                                       urlencode({"csrf_token": participant["token"]}))
            found = re.search(r"/quizzes/attempts/(\d+)", location)
            if status != 302 or not found:
                raise RuntimeError(f"start: {status} {location}")
            attempt = f"/quizzes/attempts/{found.group(1)}"
            status, _, page = send("GET", attempt)
            if status != 200:
                raise RuntimeError(f"attempt page: {status}")
            answers, all_right = right_answers(page.decode())
            status, location, _ = send("POST", attempt, urlencode(
                [("csrf_token", participant["token"]), ("action", "submit"), *answers]))
            if status != 302 or "review" not in location:
                raise RuntimeError(f"submit: {status} {location}")
        except Exception as err:  # noqa: BLE001 - reported with the figures, never hidden
            with self._lock:
                self.failures.append(f"{participant['name']}: {err}")
            return
        done = time.monotonic()
        with self._lock:
            self.results.append((participant["name"], done, all_right))
            self.flow_seconds.append(done - started)


class Probe:
    """Asks ``leaderboard.json`` every ``interval`` seconds (a new connection each time, so any
    worker answers) and keeps, per answer, when it was asked and the names it showed."""

    def __init__(self, port: int, interval: float = 0.5):
        self.port, self.interval = port, interval
        self.answers: list[tuple[float, set[str]]] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=120)

    def _run(self):
        while not self._stop.wait(self.interval):
            asked = time.monotonic()
            try:
                status, _, _, data = call(self.port, "GET", BOARD_JSON)
                names = {row["name"] for row in json.loads(data)["rows"]} if status == 200 else None
            except (OSError, ValueError, KeyError):
                names = None
            if names is None:
                self.failures += 1
            else:
                self.answers.append((asked, names))


NEVER_SECONDS = 10
SETTLE_SECONDS = 16  # the probe goes on this long after the last result


@dataclass
class Freshness:
    answers: int  # the probe's answers while results arrived
    ages: list[float]  # per such answer: seconds since the oldest result it should show but does not (0: none)
    lags: list[float]  # per result: seconds from its submission to the first answer showing it
    never: int  # results no answer showed, though some were asked NEVER_SECONDS or more after them
    settled: int  # answers asked NEVER_SECONDS or more after the last result
    stale_settled: int  # of those, answers still missing a result: a board that stays stale


def freshness(results: list[tuple[str, float, bool]], answers: list[tuple[float, set[str]]]) -> Freshness:
    """How up to date the board was in the probe's ``answers`` ((time asked, names shown)),
    given the new ``results`` ((name, time done, every answer right)); times in seconds.
    Only results with every answer right are followed: they rank above every bulk result
    (score 100 in a few seconds), so a board that is up to date shows them in its first rows.
    The answers asked after the last result say whether every worker catches up once results
    stop (a worker that keeps a board of its own without hearing of others' changes does not)."""
    followed = sorted((done, name) for name, done, right in results if right)
    last = followed[-1][0] if followed else float("inf")
    ages, lags, never = [], [], 0
    for asked, names in answers:
        if asked <= last:
            missing = [done for done, name in followed if done < asked and name not in names]
            ages.append(asked - missing[0] if missing else 0.0)
    for done, name in followed:
        shown = next((asked for asked, names in answers if asked > done and name in names), None)
        if shown is not None:
            lags.append(shown - done)
        elif any(asked > done + NEVER_SECONDS for asked, _ in answers):
            never += 1
    settled = [names for asked, names in answers if asked >= last + NEVER_SECONDS]
    stale = sum(1 for names in settled if any(name not in names for _, name in followed))
    return Freshness(len(ages), ages, lags, never, len(settled), stale)


@dataclass
class Run:
    name: str
    requests: int
    seconds: float
    bytes: int
    p50: float  # ms
    p95: float
    p99: float
    max: float
    errors: dict
    cpu_ms: float
    db_cpu_ms: float | None
    results: int | None = None  # new results that arrived during the run (None: no churn)
    other_cores: float = 0.0  # CPU other processes of the machine took meanwhile, in cores

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request(self) -> float:
        return self.cpu_ms / self.requests if self.requests else float("nan")

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def machine_busy_seconds() -> float:
    """CPU time all processes of the machine have used since boot (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    """CPU time of this process (the churn and probe threads) and its reaped children (wrk)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def wrk(server, path: str, seconds: float, connections: int, name: str, churn: Churn | None = None) -> Run:
    """One wrk run polling ``path``, with the server's CPU time around it, and the CPU that
    other processes of the machine took meanwhile (what is left of the machine's busy time
    after the server, its database backends, wrk and this process's threads)."""
    command = [shutil.which("wrk"), "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
               "-s", str(LUA), f"http://127.0.0.1:{server.port}{path}"]
    results_before = churn.count() if churn else None
    cpu_before, db_before = server.cpu_seconds()
    busy_before, own_before = machine_busy_seconds(), own_seconds()
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    busy_after, own_after = machine_busy_seconds(), own_seconds()
    cpu_after, db_after = server.cpu_seconds()
    line = next((x for x in done.stdout.splitlines() if x.startswith("LEADERBOARD_WRK ")), None)
    if done.returncode or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    s = json.loads(line.removeprefix("LEADERBOARD_WRK "))
    server_cpu = cpu_after - cpu_before
    db_cpu = db_after - db_before if db_before is not None else None
    other = (busy_after - busy_before) - server_cpu - (db_cpu or 0.0) - (own_after - own_before)
    return Run(name, s["requests"], s["duration_us"] / 1e6, s["bytes"], s["p50_us"] / 1000, s["p95_us"] / 1000,
               s["p99_us"] / 1000, s["max_us"] / 1000, {k: v for k, v in s["errors"].items() if v},
               server_cpu * 1000, db_cpu * 1000 if db_cpu is not None else None,
               churn.count() - results_before if churn else None, max(0.0, other) / (s["duration_us"] / 1e6))


@dataclass
class Measurement:
    label: str
    setup_seconds: float
    runs: dict[str, Run] = field(default_factory=dict)
    churn: Churn | None = None
    fresh: Freshness | None = None
    probe_failures: int = 0


def set_autogroup_nice(pid: str, nice: int) -> None:
    """Where the kernel groups processes by session (sched_autogroup), a process's nice value
    counts only within its session: the session's own weight is set here (Linux, as root)."""
    try:
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))
    except OSError:
        pass


def make_server(env: dict, workers: int, source: Path, module_dir: str, nice: int = 0):
    """gunicorn (sync workers) serving ``source``'s app, started from ``source``."""
    from bench.harness import Gunicorn

    class Server(Gunicorn):
        def __enter__(self):
            self.proc = subprocess.Popen(self.cmd, cwd=source, env=self.env, start_new_session=True)
            if nice:
                set_autogroup_nice(str(self.proc.pid), nice)
            deadline = time.time() + 60
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError("gunicorn exited at start")
                try:
                    if call(self.port, "GET", "/_bare", timeout=5)[0] == 200:
                        return self
                except OSError:
                    time.sleep(0.2)
            self.__exit__()
            raise RuntimeError("gunicorn did not start")

    server = Server({**env, "PYTHONPATH": f"{module_dir}{os.pathsep}{source}"}, workers=workers,
                    app="leaderboard_wsgi:app")
    return server


class Database:
    """A fresh database per measured code version: a SQLite file in the run's folder, or
    PostgreSQL's ``bench_leaderboard`` (dropped first if a crashed run left it, and after)."""

    def __init__(self, kind: str, server_url: str):
        self.kind, self.server_url = kind, server_url

    def fresh(self, tmp: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{tmp}/bench.sqlite3"
        self.drop()
        self._admin(f'CREATE DATABASE "{PG_DATABASE}"')
        return self.server_url.rsplit("/", 1)[0] + "/" + PG_DATABASE

    def drop(self) -> None:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)


def redis_store(url: str) -> tuple[str | None, str]:
    """(Redis URL or None, how the shared cache is described); None when 'none' or no answer."""
    if url == "none":
        return None, "no Redis: cache in each process's memory"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as err:
        print(f"Redis at {url} does not answer ({err}): measuring without Redis", flush=True)
        return None, "no Redis (it did not answer): cache in each process's memory"
    return url, f"Redis {url}"


def measure(label: str, source: Path, args, database: Database, redis_url: str | None) -> Measurement:
    """The whole measurement for the code in ``source`` on a fresh database."""
    from bench.harness import app_env

    churn_needed = math.ceil(args.rate * (3 * (args.duration + 3) + 30)) + 10
    with tempfile.TemporaryDirectory(prefix="bench-board-") as tmp:
        prefix = f"lmsbench-{uuid.uuid4().hex[:8]}:"
        env = app_env(database.fresh(tmp), tmp)
        if redis_url:
            env |= {"LMS_REDIS_URL": redis_url, "LMS_CACHE_KEY_PREFIX": prefix}
        try:
            started = time.perf_counter()
            plan_file = Path(tmp) / "plan.json"
            setup_run = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--setup", str(plan_file),
                 "--participants", str(args.participants), "--churn-participants", str(churn_needed)],
                cwd=source, env={**os.environ, **env, "PYTHONPATH": str(source)}, capture_output=True, text=True)
            if setup_run.returncode:
                raise RuntimeError(f"set-up failed for {label}:\n{setup_run.stdout}\n{setup_run.stderr}")
            plan = json.loads(plan_file.read_text())
            result = Measurement(label, time.perf_counter() - started)
            print(f"[{label}] set-up {result.setup_seconds:.0f} s: migrations, {args.participants:,} results, "
                  f"{len(plan['churn'])} participants waiting to take the round", flush=True)
            (Path(tmp) / "leaderboard_wsgi.py").write_text(WSGI_MODULE)
            with make_server(env, args.workers, source, tmp, args.nice) as server:
                check_board(server.port, min(args.participants, 200))
                # Warm-up, unreported: every worker opens its connections and builds its first board.
                for path, seconds in ((BOARD_JSON, 6), (BOARD_PAGE, 3)):
                    wrk(server, path, seconds, args.connections, "warm-up")
                if args.quiet_duration > 0:
                    result.runs["quiet"] = wrk(server, BOARD_JSON, args.quiet_duration, args.connections,
                                               "leaderboard.json, no new result")
                with Probe(server.port) as probe:
                    with Churn(server.port, plan["churn"], args.rate) as churn:
                        time.sleep(2)  # the first results are in before the first figure
                        result.runs["bare"] = wrk(server, "/_bare", args.duration, args.connections,
                                                  "bare endpoint", churn)
                        result.runs["json"] = wrk(server, BOARD_JSON, args.duration, args.connections,
                                                  "leaderboard.json", churn)
                        result.runs["page"] = wrk(server, BOARD_PAGE, args.duration, args.connections,
                                                  "leaderboard page", churn)
                    time.sleep(SETTLE_SECONDS)  # does every worker's board catch up once results stop?
                result.churn, result.fresh = churn, freshness(churn.results, probe.answers)
                result.probe_failures = probe.failures
        finally:
            database.drop()
            if redis_url:
                import redis

                client = redis.Redis.from_url(redis_url)
                keys = list(client.scan_iter(match=prefix + "*"))
                if keys:
                    client.delete(*keys)
    return result


def check_board(port: int, rows_expected: int) -> None:
    """The board really is served, with rows (a hidden or empty board would measure nothing)."""
    status, _, _, data = call(port, "GET", BOARD_JSON)
    rows = json.loads(data).get("rows", []) if status == 200 else []
    if len(rows) < rows_expected:
        raise RuntimeError(f"{BOARD_JSON} answered {status} with {len(rows)} rows, expected at least {rows_expected}")
    status, _, _, data = call(port, "GET", BOARD_PAGE)
    if status != 200 or b"<table" not in data:
        raise RuntimeError(f"{BOARD_PAGE} answered {status} without a table")


def label(run: Run) -> str:
    return run.name + ("" if run.results is None else " (churn)")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(m: Measurement, header: str) -> None:
    """The figures of one code version: a line per run, the ratios to the bare endpoint, the
    churn that really happened, the board's freshness and the target."""
    on_postgres = any(run.db_cpu_ms is not None for run in m.runs.values())
    print(f"\n[{m.label}] {header}")
    print(f"  {'run':<34} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
          f"{'cpu ms/req':>10}{' +db ms/req' if on_postgres else ''} {'KB/resp':>8} {'results':>8} "
          f"{'other load':>10}  errors")
    for run in m.runs.values():
        db_cpu = (f" {run.db_cpu_ms / run.requests if run.requests else float('nan'):>10.2f}"
                  if run.db_cpu_ms is not None else "")
        print(f"  {label(run):<34} {run.requests:>8} {run.rps:>8.1f} {run.p50:>8.1f} {run.p95:>8.1f} {run.max:>8.0f} "
              f"{run.cpu_per_request:>10.2f}{db_cpu} {run.bytes / max(run.requests, 1) / 1024:>8.1f} "
              f"{'' if run.results is None else run.results:>8} {run.other_cores:>5.2f} core  "
              f"{run.error_count}{' ' + json.dumps(run.errors) if run.errors else ''}")
    disturbed = max(run.other_cores for run in m.runs.values())
    if disturbed > 0.25:
        print(f"  note: other processes took up to {disturbed:.2f} of the 2 cores during a run: "
              "these figures are lower than a quiet machine gives")
    bare = m.runs["bare"]
    print(f"  {'ratio to the bare endpoint':<34} {'req/s':>8} {'cpu/req':>8}")
    for key in ("quiet", "json", "page"):
        if key in m.runs:
            run = m.runs[key]
            print(f"  {label(run):<34} {run.rps / bare.rps if bare.rps else float('nan'):>8.3f} "
                  f"{run.cpu_per_request / bare.cpu_per_request:>8.1f}")
    churn, fresh = m.churn, m.fresh
    flows = churn.flow_seconds
    wrong = sum(1 for _, _, right in churn.results if not right)
    print(f"  churn: {len(churn.results)} new results in {churn.seconds:.0f} s ({len(churn.results) / churn.seconds:.2f}/s; "
          f"target {churn.rate:g}/s); start + page + submit p50 {pct(flows, 0.5):.2f} s, max {max(flows, default=0):.2f} s; "
          f"{len(churn.failures)} failed{' (ran out of participants)' if churn.ran_out else ''}"
          + (f"; {wrong} with an answer not found right (not followed on the board)" if wrong else ""))
    for failure in churn.failures[:5]:
        print(f"    failed: {failure}")
    print(f"  freshness: {fresh.answers} probe answers; board age (oldest new result missing) "
          f"p50 {pct(fresh.ages, 0.5):.1f} s, p95 {pct(fresh.ages, 0.95):.1f} s, max {max(fresh.ages, default=0):.1f} s; "
          f"a new result first shown after p50 {pct(fresh.lags, 0.5):.1f} s, max {max(fresh.lags, default=0):.1f} s; "
          f"{fresh.never} not shown {NEVER_SECONDS} s after" + (f"; {m.probe_failures} probe errors" if m.probe_failures else ""))
    print(f"  after the last new result: {fresh.stale_settled} of {fresh.settled} probe answers asked "
          f"{NEVER_SECONDS}-{SETTLE_SECONDS} s later still missed a result"
          + (" (a board that stays stale)" if fresh.stale_settled else ""))
    verdicts = [f"{m.runs[k].name} p95 {m.runs[k].p95:.0f} ms {'ok' if m.runs[k].p95 < 50 else 'MISSED'}"
                for k in ("json", "page")]
    print(f"  target p95 < 50 ms under churn: {'; '.join(verdicts)}")


def side_by_side(before: Measurement, after: Measurement) -> None:
    print(f"\nside by side: {before.label}\n           → {after.label}")
    print(f"  {'run':<34} {'req/s':>19} {'p50 ms':>17} {'p95 ms':>17} {'max ms':>17} {'cpu ms/req':>15}")
    for key, run in after.runs.items():
        old = before.runs.get(key)
        if old is None:
            continue
        print(f"  {label(run):<34} "
              f"{old.rps:>9.1f} → {run.rps:<7.1f} {old.p50:>7.1f} → {run.p50:<7.1f} {old.p95:>7.1f} → {run.p95:<7.1f} "
              f"{old.max:>7.0f} → {run.max:<7.0f} {old.cpu_per_request:>6.2f} → {run.cpu_per_request:<6.2f}")
    b, a = before.fresh, after.fresh
    print(f"  {'board age p95 (s)':<34} {pct(b.ages, 0.95):>9.1f} → {pct(a.ages, 0.95):<7.1f}")


def worktree(rev: str, tmp: str) -> Path:
    tree = Path(tmp) / "compare-tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev], check=True,
                   capture_output=True)
    return tree


def describe(source: Path) -> str:
    """"<short hash> <subject>" of the checkout's commit, "+ changes" when lms/ differs from it."""
    done = subprocess.run(["git", "-C", str(source), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    changed = subprocess.run(["git", "-C", str(source), "status", "--porcelain", "--", "lms"],
                             capture_output=True, text=True).stdout.strip()
    subject = done.stdout.strip() or "?"
    return (subject[:45] + "…" if len(subject) > 46 else subject) + (" + changes" if changed else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL server to create the database bench_leaderboard on (--db postgres)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", "--seconds", type=float, default=30.0,
                        help="seconds of each wrk run under churn (bare, JSON, page)")
    parser.add_argument("--quiet-duration", type=float, default=10.0,
                        help="seconds of the JSON run with no new result (0: skip it)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (-c)")
    parser.add_argument("--rate", type=float, default=1.0, help="new results per second")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12",
                        help="shared cache of the workers, as in production; 'none': each process's memory")
    parser.add_argument("--nice", type=int, default=0,
                        help="scheduling priority of this run (server, wrk, driver), e.g. -10 as root on a machine "
                             "that other work shares: its CPU then goes to the benchmark first")
    parser.add_argument("--compare", metavar="REV", help="first measure the code of this git revision the same way")
    parser.add_argument("--setup", metavar="FILE", help=argparse.SUPPRESS)  # the child process's part
    parser.add_argument("--churn-participants", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup(Path(args.setup), args.participants, args.churn_participants)
        return
    # Stopped with SIGTERM (or SIGINT) as with Ctrl-C: the server, the database, the Redis keys
    # and the compared worktree are still cleaned up by the ``finally`` blocks.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: `apt-get install wrk` (Debian package; `make bench` installs it)")
    sys.path.insert(0, str(ROOT))
    if args.nice:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)  # inherited by gunicorn, its workers and wrk
        set_autogroup_nice("self", args.nice)
    redis_url, cache = redis_store(args.redis)
    database = Database(args.db, args.postgres)
    header = (f"{'PostgreSQL' if args.db == 'postgres' else 'SQLite'}, {args.participants:,} participants, "
              f"{args.workers} sync workers, {cache}, wrk -t1 -c{args.connections}, {args.duration:g} s per run, "
              f"{args.rate:g} new result/s" + (f", nice {args.nice}" if args.nice else ""))
    if args.db == "postgres":
        import psycopg

        try:
            psycopg.connect(args.postgres, connect_timeout=5).close()
        except psycopg.OperationalError as err:
            sys.exit(f"PostgreSQL at {args.postgres} does not answer: {err}")
    started = time.perf_counter()
    measurements = []
    with tempfile.TemporaryDirectory(prefix="bench-board-rev-") as tmp:
        if args.compare:
            tree = worktree(args.compare, tmp)
            try:
                described = describe(tree)
                name = described if described.startswith(args.compare) else f"{args.compare} = {described}"
                measurements.append(measure(name, tree, args, database, redis_url))
            finally:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False,
                               capture_output=True)
        measurements.append(measure(f"this tree ({describe(ROOT)})", ROOT, args, database, redis_url))
    for m in measurements:
        report(m, header)
    if len(measurements) == 2:
        side_by_side(*measurements)
    print(f"\n(whole benchmark: {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    if sys.path and Path(sys.path[0]).resolve() == HERE:
        # Run as a script: bench/ is first on sys.path; the set-up child must import the
        # checkout's modules only, so nothing of bench/ may stand in for them.
        sys.path.pop(0)
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("stopped: server, database, Redis keys and worktree cleaned up")
