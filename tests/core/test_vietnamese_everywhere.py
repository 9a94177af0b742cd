"""Every page in Vietnamese, for every role: no English message id, no raw code (issue 18, fault 3).

One app and database for the whole module: the demo platform (``lms demo`` with the shipped
courses and banks, tests/fuzz/world.py) plus what the demo lacks for some pages (a published
contest with awards, a regrade, an organiser who is nothing else, answers in a contest
attempt, audit entries with empty values). Each role signs in and opens every GET route of
``app.url_map`` (``NOT_PAGES`` lists the few that are not HTML pages, each with its reason)
in Vietnamese; on each page answered 200 the *visible* text (text nodes, and the attributes a
person reads or hears: title, aria-label, placeholder, alt, a submit button's value) must hold

- no message id of the catalogue left in English (``english_msgids``: msgids whose Vietnamese
  differs from them; the text a template or view would show untranslated),
- no raw code of an enumeration (``raw_codes``: unit and account kinds, roles, question types,
  statuses, audit actions...) standing as a piece of text on its own,
- no Python value (``None``, ``True``, ``{'course': ...}``) from a stored detail.

Then the things a person meets only by doing something: an empty required form, an import
that fails, a tampered certificate, a roster with errors, and the CSV/XLSX files they export.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import lxml.html
import pytest
from babel.messages.pofile import read_po
from flask import url_for
from openpyxl import load_workbook
from sqlalchemy import select

from lms.auth.models import User
from lms.auth.reset import make_token
from lms.extensions import db, limiter
from tests.conftest import CSRF_RE, make_test_app

ROOT = Path(__file__).resolve().parents[2]
VI_PO = ROOT / "lms" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
PASSWORD = "demo-dvc-2026"

# Who signs in for each role (None: anonymous). The admin is last, so that the audit log it
# reads holds what everyone else did.
ROLES = {
    "anonymous": None,
    "student": "hs.an",
    "civil_servant": "cb.badinh",
    "teacher": "gv.cva",
    "manager": "quanly.sgd",
    "author": "tg.soan",
    "organiser": "btc.hoithi",
    "judge": "gk.tham",
    "admin": "quantri",
}

# GET routes that are not HTML pages, and why they are not read here.
NOT_PAGES = {
    "static": "CSS, JavaScript and images",
    "core.healthz": "a probe for load balancers, plain text",
    "notifications.open_notice": "marks a notice read and redirects to its link",
    "join.short_link": "redirects to registration; its page for a dead code is read in tests/orgs/test_join_link.py",
    "courses.media": "a course's images",
    "api_v1.courses": "JSON API for programs (bearer token)",
    "api_v1.completion": "JSON API for programs (bearer token)",
    "api_v1.completion_learner_rows": "JSON API for programs (bearer token)",
    "api_v1.xapi": "xAPI statements for programs (bearer token)",
    "certificates.jwks": "public keys, JSON",
    "certificates.public_key": "public key, PEM",
    "certificates.pdf": "the certificate, PDF",
    "certificates.badge_json": "Open Badges credential, JSON",
    "certificates.badge_jwt": "Open Badges credential, JWT",
    "certificates.verify_json": "verification for programs, JSON",
    "certificates.revocation_list": "status list for programs, JSON",
    "certificates.issuer_profile": "Open Badges issuer profile, JSON",
    "public_ranking.latest": "redirects to the month's page (read below)",
    "contests.leaderboard_json": "the live board's data, JSON",
    "contests.export": "spreadsheet (its headers are checked below)",
    "contest_admin.prizes_xlsx": "spreadsheet (its headers are checked below)",
    "contest_admin.awards_pdf": "certificates of award, PDF",
    "judging.download": "a submitted file",
    "quiz_admin.template": "spreadsheet template (its headers are checked below)",
    "roster.template": "roster template, CSV or XLSX (its headers are checked below)",
    "reports.export_csv": "report file (its headers are checked below)",
    "reports.export_xlsx": "report file (its headers are checked below)",
    "audit.export": "audit file (its headers are checked below)",
}

# Message ids that may stand in Vietnamese text as they are: names of formats, products and
# standards, the same in both languages.
ALLOWED_ENGLISH = {"OK", "PDF", "CSV", "Excel", "GIFT", "Aiken", "Markdown", "Zalo", "VNeID", "Email", "Open Badges",
                   "xAPI", "API", "ID", "URL", "QR"}

# Codes that are English words Vietnamese never borrows: one inside a sentence is a code put
# into a message unlabelled ("câu hỏi loại single"). ("link", "file", "quiz" are borrowed.)
CODE_WORDS = {"single", "multiple", "truefalse", "numeric", "matching", "essay", "student", "citizen", "manager",
              "teacher", "author", "organizer", "judge", "ministry", "province", "department", "district",
              "commune", "agency", "school", "class", "draft", "published", "submitted"}
# A name in snake_case is a key of the code (a column, a field, a setting), never Vietnamese.
SNAKE_CASE = re.compile(r"(?<![\w/.-])[a-z]+(?:_[a-z0-9]+)+(?![\w/.-])")
# A stored value shown as stored: a JSON list or object ("[0]"), or a database id ("#26").
STORED_FORM = re.compile(r"^(?:\[.*\]|\{.*\}|#\d+)$")
# A number written the English way ("50.0", "0.75"): Vietnamese writes decimals with a comma,
# and a dot only between thousands, always before three digits ("1.500").
ENGLISH_DECIMAL = re.compile(r"(?<![\d.,:/])\d+\.\d{1,2}(?![\d.])")
PYTHON_VALUE = re.compile(r"\b(?:None|True|False)\b|\{'|\['|'\]|'\}|': ")
VISIBLE_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "aria-description")
INVISIBLE = {"script", "style", "template", "noscript"}


# --- the catalogue and the codes -----------------------------------------------------------------


def _catalogue():
    with VI_PO.open("rb") as fh:
        return read_po(fh)


PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%[sdif]|\{\w*\}")


class EnglishIds:
    """The catalogue's English message ids, found in a text by their longest word first."""

    def __init__(self):
        self.by_word: dict[str, list[tuple[str, re.Pattern, bool]]] = defaultdict(list)
        for message in _catalogue():
            msgid = message.id if isinstance(message.id, str) else (message.id[0] if message.id else "")
            translation = message.string if isinstance(message.string, str) else (message.string or [""])[0]
            # Left out: ids the same in both languages, or kept inside their own translation
            # ("Open Badge (JSON)" -> "Huy hiệu Open Badge (JSON)").
            if not msgid or not translation or msgid in translation or msgid in ALLOWED_ENGLISH:
                continue
            literal = PLACEHOLDER.sub(" ", msgid)
            words = re.findall(r"[A-Za-z]{2,}", literal)
            if not words:
                continue
            pieces = [re.escape(p) for p in PLACEHOLDER.split(msgid)]
            body = r".+?".join(p.replace(r"\ ", r"\s+") for p in pieces)
            # One word (or a word and values): the whole text; more: anywhere in the text.
            whole = len(words) == 1
            pattern = re.compile(rf"^{body}$" if whole else rf"(?<![\w]){body}(?![\w])")
            key = max(words, key=len).lower()
            self.by_word[key].append((msgid, pattern, whole))

    def found_in(self, text: str) -> list[str]:
        found = []
        for word in {w.lower() for w in re.findall(r"[A-Za-z]{2,}", text)}:
            for msgid, pattern, whole in self.by_word.get(word, ()):
                target = _bare(text) if whole else text
                if pattern.search(target):
                    found.append(msgid)
        return found


def _bare(text: str) -> str:
    """A text without the punctuation around it ("Kind:" -> "Kind")."""
    return text.strip(" \t\n:·•*-—–()[]|,.;!?…“”\"'")


def raw_codes() -> set[str]:
    """Every stored code a page might be tempted to print: taken from where each is defined."""
    from lms.audit.display import ACTION_LABELS
    from lms.auth.models import ROLES as ROLE_CODES
    from lms.auth.models import USER_KINDS
    from lms.contests.services import OPTIONAL_FIELDS
    from lms.orgs.models import ORG_KINDS
    from lms.quizzes.types import REGISTRY
    from lms.roster.parsing import COLUMNS

    codes = set(ORG_KINDS) | set(USER_KINDS) | set(ROLE_CODES) | set(REGISTRY) | set(ACTION_LABELS)
    codes |= set(OPTIONAL_FIELDS) | set(COLUMNS)
    codes |= {"open", "submitted", "draft", "closed", "published", "quiz", "judged", "link", "article", "file",
              "valid", "revoked", "superseded", "best", "first", "last", "after_submit", "after_close", "never",
              "individual", "collective", "course", "contest", "practice", "organizer", "organiser"}
    return codes


# --- reading pages ----------------------------------------------------------------------------------


def visible_texts(html: str) -> list[str]:
    """What a person reads or hears on a page: text nodes outside scripts and styles, and the
    attributes shown as tooltips, read by screen readers or written on buttons."""
    doc = lxml.html.fromstring(html)
    texts = []
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag not in INVISIBLE and element.text:
            texts.append(element.text)
        if element.tail and (element.getparent() is None or element.getparent().tag not in INVISIBLE):
            texts.append(element.tail)
        for attribute in VISIBLE_ATTRIBUTES:
            if element.get(attribute):
                texts.append(element.get(attribute))
        if element.tag == "input" and (element.get("type") or "").lower() in ("submit", "button", "reset"):
            texts.append(element.get("value") or "")
    return [" ".join(t.split()) for t in texts if t and t.strip()]


def pieces(text: str) -> list[str]:
    """A text cut at the separators pages put between values ("code · class · 42 people")."""
    return [_bare(p) for p in re.split(r"[·•|,;:()/—–→]", text) if _bare(p)]


# Words of English that are no Vietnamese syllable: two of them in one text is English that
# never went through the catalogue (a string typed straight into a template or a view).
ENGLISH_WORDS = {"the", "and", "of", "is", "are", "for", "with", "this", "that", "not", "has", "have", "was",
                 "from", "your", "you", "must", "cannot", "should", "will", "please", "required", "invalid",
                 "field", "value", "none", "true", "false", "unknown", "error", "into", "been", "there"}


def english_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z]+", text.lower()) if w in ENGLISH_WORDS}


class Findings:
    def __init__(self):
        self.english: dict[tuple[str, str], set[str]] = defaultdict(set)  # (msgid, text) -> where
        self.sentences: dict[str, set[str]] = defaultdict(set)
        self.codes: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.python: dict[str, set[str]] = defaultdict(set)

    def check(self, where: str, html: str, ids: EnglishIds, codes: set[str]) -> None:
        for text in visible_texts(html):
            for msgid in ids.found_in(text):
                self.english[(msgid, text[:120])].add(where)
            for piece in pieces(text):
                if piece in codes:
                    self.codes[(piece, text[:120])].add(where)
            for name in SNAKE_CASE.findall(text):
                self.codes[(name, text[:120])].add(where)
            for word in set(re.findall(r"[A-Za-z]+", text)) & CODE_WORDS:
                self.codes[(word, text[:120])].add(where)
            if PYTHON_VALUE.search(text) or STORED_FORM.match(text) or ENGLISH_DECIMAL.search(text):
                self.python[text[:160]].add(where)
            if len(english_words(text)) >= 2:
                self.sentences[text[:160]].add(where)

    @staticmethod
    def _lines(found: dict) -> list[str]:
        return [f"{key!r} on {', '.join(sorted(where)[:4])}" for key, where in sorted(found.items(), key=str)]

    def report(self) -> str:
        return "\n".join(["English message ids:", *self._lines(self.english),
                          "English sentences:", *self._lines(self.sentences), "Raw codes:", *self._lines(self.codes),
                          "Python values:", *self._lines(self.python)])


# --- the platform ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(_template, tmp_path_factory):
    """The demo platform plus what some pages need; one app for every test of the module."""
    from tests.fuzz.world import build_fuzz_world

    app = make_test_app(_template, tmp_path_factory.mktemp("vi-everywhere"), PUBLIC_BASE_URL="https://hoc.example.vn")
    was = limiter.enabled
    limiter.enabled = False  # hundreds of sign-ins and pages from one address
    try:
        with app.app_context():
            world = build_fuzz_world()
            extra = _more_than_the_demo(world)
            db.session.commit()
            db.session.remove()
        yield app, world, extra
    finally:
        limiter.enabled = was


def _more_than_the_demo(world) -> dict:
    """A published contest with awards, a regrade, a contest organiser who is nothing else,
    answers in the learner's contest attempt, a finished course attempt, empty values in the
    audit log; the demo admin renamed: ``admin`` is also the admin role's code."""
    from lms.auth.models import RoleAssignment, User
    from lms.auth.services import NewUser, create_user
    from lms.contests import judging, organise
    from lms.contests import services as contest_services
    from lms.contests.models import Contest, ContestRound, RoundEntry
    from lms.core.timeutil import utcnow
    from lms.courses.models import Course
    from lms.courses.services import assign_course
    from lms.orgs.models import Organization
    from lms.quizzes import services as quiz_services
    from lms.quizzes.models import Attempt, Question, Regrade
    from lms.reports.models import PublicRanking
    from lms.reports.public import current_month

    def user(username):
        return db.session.scalar(select(User).where(User.username == username))

    def org(code):
        return db.session.scalar(select(Organization).where(Organization.code == code))

    now = utcnow().replace(microsecond=0)
    user("admin").username = "quantri"
    demo_contest = db.session.scalar(select(Contest).where(Contest.slug == world.strings["contest"]))
    organiser = create_user(NewUser(username="btc.hoithi", full_name="Ban Tổ Chức", kind="civil_servant",
                                    org=org("HN-SGDDT"), password=PASSWORD))
    db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=demo_contest.id))

    # A second account of the same learner registers again: flagged as a duplicate.
    twin = create_user(NewUser(username="hs.an2", full_name="Nguyễn Văn An", kind="student",
                               org=org("HN-THPT-CVA-11A1"), password=PASSWORD))
    contest_services.register(twin, demo_contest, contest_services.RegistrationForm(
        full_name=twin.full_name, date_of_birth=date(2009, 5, 1), phone="0912345678"))

    # Answers in the learner's contest attempt: the organiser's answer log shows them.
    contest_attempt = db.session.get(Attempt, world.ids["contest_attempt_id"])
    for item in contest_attempt.items[:3]:
        quiz_services.save_answer(contest_attempt, item["v"], ["0"], now=now)

    # The learner's course attempt, answered and submitted: the review page.
    course_attempt = db.session.get(Attempt, world.ids["attempt_id"])
    for item in course_attempt.items[:2]:
        quiz_services.save_answer(course_attempt, item["v"], ["0"], now=now)
    quiz_services.finish_attempt(course_attempt, now=now)

    # A regrade of a question of the course quiz.
    question = db.session.get(Question, world.ids["question_id"])
    regrade = Regrade(question_id=question.id, from_version_id=question.current_version_id,
                      to_version_id=question.current_version_id,
                      report={"answers": 1, "skipped": 0, "attempts": [
                          {"attempt": course_attempt.id, "user_id": course_attempt.user_id, "full_name": "Nguyễn Văn An",
                           "username": "hs.an", "before": 40.0, "after": 60.0, "passed_before": False,
                           "passed_after": True}]})
    db.session.add(regrade)

    # A course assigned without a due date (the audit log's detail holds an empty value).
    course = db.session.scalar(select(Course).where(Course.slug == world.strings["course_slug"]))
    assign_course(user("quanly.sgd"), course, org("HN-THPT-CVA-11A2"))

    # A published contest, with individual and collective awards.
    published = contest_services.create_contest(None, "hoi-thi-2025", "Hội thi dịch vụ công 2025",
                                                scope=org("HN"), registration_fields={"date_of_birth": True})
    published.status = "open"
    past = ContestRound(position=1, kind="quiz", title="Vòng sơ khảo 2025", opens_at=now - timedelta(days=10),
                        closes_at=now - timedelta(days=9))
    published.rounds.append(past)
    db.session.flush()
    user("hs.minh").email = "minh.do@example.vn"  # a reset link needs an address to go to
    for n, username in enumerate(("hs.an", "hs.hoa", "hs.minh"), start=1):
        person = user(username)
        registration = contest_services.register(person, published, contest_services.RegistrationForm(
            full_name=person.full_name, date_of_birth=date(2009, 5, n)))
        db.session.add(RoundEntry(round_id=past.id, registration_id=registration.id, score=90.0 - n,
                                  seconds_taken=100.0 * n, submitted_at=past.opens_at + timedelta(minutes=n)))
    db.session.flush()
    published.prize_settings = {"first": 1, "second": 1, "third": 1, "consolation": 0, "collective": 1,
                                "collective_level": "school"}
    awards = organise.publish_results(None, published)
    db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=published.id))

    # The judge has the demo's judged entry to score; the department publishes its ranking.
    # (one judge an entry, from a unit that is not the entrant's: no conflict of interest).
    judged = next(r for r in demo_contest.rounds if r.kind == "judged")
    user("gk.tham").org = org("HN-PHUONG-BD")
    judging.configure_round(None, judged, judges_per_entry=1)
    judging.run_assignment(None, judged)
    db.session.add(PublicRanking(org_id=org(world.strings["org_code"]).id, kinds=["school", "class"]))
    db.session.flush()
    return {"regrade_id": regrade.id, "published": published.slug, "award": awards[0].code,
            "month": f"{current_month():%Y-%m}"}


def _values(endpoint: str, arguments: set[str], world, extra) -> dict | None:
    """The URL's values from the dataset; None for an argument it has no value for."""
    ids, strings = world.ids, world.strings
    known = {
        "org_id": ids["org_id"], "user_id": ids["user_id"], "attempt_id": ids["attempt_id"],
        "cert_id": ids["cert_id"], "registration_id": ids["registration_id"], "regrade_id": extra["regrade_id"],
        "course_slug": strings["course_slug"], "lesson_slug": strings["lesson_slug"], "month": extra["month"],
        "fmt": "gift",  # a bank GIFT cannot carry whole: the page listing what would be lost
    }
    values = {}
    for name in arguments:
        if name == "slug":
            values[name] = strings["bank"] if endpoint.startswith("quiz_admin.") else strings["contest"]
        elif name == "number":
            values[name] = int(strings["judged_round"]) if endpoint.startswith("judging.") else 1
        elif name == "code":
            if endpoint == "reports.class_view":
                values[name] = strings["class_code"]
            elif endpoint.startswith(("reports.", "public_ranking.")):
                values[name] = strings["org_code"]
            elif endpoint.startswith("certificates."):
                values[name] = strings["cert_code"]
            elif endpoint.startswith("judging."):
                values[name] = strings["entry_code"]
            elif endpoint == "contests.award":
                values[name] = extra["award"]
            else:
                return None
        elif name == "token" and endpoint == "auth.reset_password":
            values[name] = extra["reset_token"]
        elif name in known:
            values[name] = known[name]
        else:
            return None
    if endpoint == "contests.award" or endpoint == "contests.results":
        values["slug"] = extra["published"]
    return values


def page_urls(app, world, extra) -> list[tuple[str, str]]:
    """(endpoint, URL) of every GET page; fails on a route it cannot fill."""
    urls, unfilled = [], []
    with app.test_request_context():
        # A live link for an account no role signs in as, so its page (the new-password form) is read.
        extra = {**extra, "reset_token": make_token(db.session.get(User, _user_id("hs.minh")))}
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
                continue
            values = _values(rule.endpoint, set(rule.arguments), world, extra)
            if values is None:
                unfilled.append(rule.rule)
                continue
            urls.append((rule.endpoint, url_for(rule.endpoint, **values)))
    assert not unfilled, f"routes the dataset cannot fill (add them to _values or NOT_PAGES): {unfilled}"
    # A few pages differ by their query or by the object: open those too.
    more = [("contest_admin.prizes", f"/contests/manage/{extra['published']}/prizes"),
            ("contest_admin.contest", f"/contests/manage/{extra['published']}/"),
            ("quizzes.review", f"/quizzes/attempts/{world.ids['attempt_id']}/review"),
            ("quizzes.attempt", f"/quizzes/attempts/{world.ids['contest_attempt_id']}"),
            ("orgs.detail", f"/admin/orgs/{_org_id(world, 'HN-THPT-CVA')}"),
            ("orgs.index", "/admin/orgs/?all=1"),
            ("orgs.join_poster", f"/admin/orgs/{_org_id(world, 'HN-THPT-CVA-11A1')}/join-poster"),
            ("users.detail", f"/admin/users/{_user_id('gv.cva')}"),
            ("contests.leaderboard", f"/contests/{extra['published']}/rounds/1/leaderboard"),
            ("contests.units", f"/contests/{extra['published']}/units"),
            ("reports.org_report", "/reports/org/HN-THPT-CVA?audience=student"),
            ("courses.catalogue", "/courses/?audience=student")]
    return urls + more


def _org_id(world, code):
    from lms.orgs.models import Organization

    with db.engine.connect() as conn:
        return conn.execute(select(Organization.id).where(Organization.code == code)).scalar()


def _user_id(username):
    from lms.auth.models import User

    with db.engine.connect() as conn:
        return conn.execute(select(User.id).where(User.username == username)).scalar()


def sign_in(app, username):
    client = app.test_client()
    if username:
        token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
        response = client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
        assert response.status_code == 302, (username, response.get_data(as_text=True)[:500])
    return client


# --- the walk -----------------------------------------------------------------------------------------

# Inputs a person types into (a form made only of buttons, checkboxes or hidden fields does
# something when sent empty: those are not sent).
TYPED = {"text", "email", "tel", "date", "datetime-local", "number", "password", "file", "textarea", "url",
         "search", "time", "month"}
# Forms with typed fields that still act when sent empty, or end the session the walk uses.
NOT_SENT_EMPTY = {
    "orgs.move": "an empty parent moves the unit to the top of the tree",
    "core.set_language": "switches the language (to the default, Vietnamese)",
    "quizzes.practice": "an empty answer is a wrong answer, checked as any other",
    "quizzes.save": "an empty answer is saved as unanswered",
    "quizzes.submit": "submits the attempt",
    "auth.logout": "ends the session",
    "quizzes.save_or_submit": "saves the attempt's answers (or submits it)",
    "contests.start": "starts a round (the learner's attempt is already open)",
}


class Walk:
    """What the walk saw: findings, the roles each page answered 200 to, the forms offered."""

    def __init__(self):
        self.findings = Findings()
        self.shown: dict[str, set[str]] = defaultdict(set)
        self.forms: dict[tuple[str, str], tuple[str, str]] = {}  # (role, action) -> (page URL, endpoint)


def _forms(app, url: str, html: str) -> list[tuple[str, str, bool]]:
    """(action, endpoint, has typed fields) of each POST form of the page at ``url``."""
    adapter = app.url_map.bind("localhost")
    out = []
    for form in lxml.html.fromstring(html).forms:
        if (form.get("method") or "get").lower() != "post":
            continue
        action = form.get("action") or url
        try:
            endpoint, _args = adapter.match(action.split("?")[0], method="POST")
        except Exception:
            continue
        typed = any((el.get("type") or el.tag).lower() in TYPED or el.tag == "textarea" for el in form.inputs
                    if el.get("name") != "csrf_token")
        out.append((action, endpoint, typed))
    return out


@pytest.fixture(scope="module")
def walk(site):
    """Every page for every role, read once."""
    app, world, extra = site
    ids, codes = EnglishIds(), raw_codes()
    seen = Walk()
    with app.app_context():
        urls = page_urls(app, world, extra)
    for role, username in ROLES.items():
        client = sign_in(app, username)
        for endpoint, url in urls:
            response = client.get(url)
            if "text/html" not in response.content_type or 300 <= response.status_code < 400:
                continue  # files, and the redirect notes browsers never show
            html = response.get_data(as_text=True)
            seen.findings.check(f"{role} {url} ({response.status_code})", html, ids, codes)
            if response.status_code != 200:
                continue
            seen.shown[endpoint].add(role)
            for action, target, typed in _forms(app, url, html):
                if typed and target not in NOT_SENT_EMPTY:
                    seen.forms.setdefault((role, action), (url, target))
    return seen


def test_every_page_is_read_by_some_role(walk, site):
    app, world, extra = site
    with app.app_context():
        endpoints = {endpoint for endpoint, _url in page_urls(app, world, extra)}
    never = sorted(endpoints - set(walk.shown))
    assert not never, f"pages no role could open, so never checked: {never}"


def test_no_page_shows_an_english_message_id(walk):
    assert not walk.findings.english, "English on Vietnamese pages:\n" + "\n".join(
        Findings._lines(walk.findings.english))


def test_no_page_shows_english_sentences(walk):
    assert not walk.findings.sentences, "English on Vietnamese pages:\n" + "\n".join(
        Findings._lines(walk.findings.sentences))


def test_no_page_shows_a_raw_code(walk):
    assert not walk.findings.codes, "raw codes on Vietnamese pages:\n" + "\n".join(Findings._lines(walk.findings.codes))


def test_no_page_shows_a_python_value(walk):
    assert not walk.findings.python, "Python values on pages:\n" + "\n".join(Findings._lines(walk.findings.python))


# --- what a person meets by doing something -----------------------------------------------------------


def _csrf(client, url) -> str:
    return CSRF_RE.search(client.get(url).get_data(as_text=True)).group(1)


def test_every_form_sent_empty_answers_in_vietnamese(walk, site):
    """Each form with fields to fill, sent with nothing filled in by the role it was offered to:
    the errors ("Ô này là bắt buộc.") and the page they come back on are Vietnamese."""
    app, _world, _extra = site
    ids, codes = EnglishIds(), raw_codes()
    findings = Findings()
    clients = {}
    for (role, action), (page, endpoint) in sorted(walk.forms.items()):
        client = clients.get(role) or clients.setdefault(role, sign_in(app, ROLES[role]))
        response = client.post(action, data={"csrf_token": _csrf(client, page)}, follow_redirects=True)
        if "text/html" in response.content_type:
            findings.check(f"{role} POST {action} ({endpoint})", response.get_data(as_text=True), ids, codes)
    sent = {endpoint for _page, endpoint in walk.forms.values()}
    assert {"orgs.create", "users.create", "auth.register", "auth.login"} <= sent
    assert not (findings.english or findings.sentences or findings.codes or findings.python), findings.report()


def _visible(html: str) -> str:
    return " ".join(visible_texts(html))


def _clean(findings: Findings) -> bool:
    return not (findings.english or findings.sentences or findings.codes or findings.python)


BAD_GIFT = ("::Q1:: Ứng dụng nào dùng để định danh điện tử? {=VNeID ~}\n\n"
            "::Q2:: Số nào là số chẵn? {#hai}\n\n"
            "::Q3:: Ghép cặp {=a -> 1 =b}\n").encode()
BAD_MARKDOWN = ("---\ntitle: Ngân hàng lỗi\n---\n"
                "## Câu chọn một mà không có phương án?\ntype: single\n= đáp án\n\n"
                "## Câu đúng sai mà có cặp ghép?\ntype: truefalse\n- a -> b\n").encode()
BAD_ROSTER = ("Họ và tên,Tên đăng nhập,Mã đơn vị,Đối tượng,Ngày sinh,Số điện thoại,Email\r\n"
              "Nguyễn Văn Bình,hs.binh,KHONG-CO-DON-VI,học sinh,31/02/2009,0912,khong-phai-email\r\n"
              "Trần Thị Cúc,hs.cuc,HN-THPT-CVA-11A1,phi hành gia,2009-13-01,,\r\n").encode()


def test_failed_actions_are_explained_in_vietnamese(walk, site):
    """What a person meets when something they do is refused: a GIFT or Markdown file with
    errors, a roster with bad rows (columns named by the headers of the file), a tampered
    certificate, a rubric with a bad number, a registration missing a required field."""
    app, world, _extra = site
    ids, codes = EnglishIds(), raw_codes()
    findings = Findings()
    pages = {}

    author = sign_in(app, "tg.soan")
    for name, data in (("hong.gift", BAD_GIFT), ("hong.md", BAD_MARKDOWN)):
        response = author.post("/quizzes/banks/import", content_type="multipart/form-data", data={
            "csrf_token": _csrf(author, "/quizzes/banks/import"), "bank": "ngan-hang-loi", "format": "auto",
            "file": (io.BytesIO(data), name)})
        pages[name] = response.get_data(as_text=True)

    manager = sign_in(app, "quanly.sgd")
    response = manager.post("/admin/roster/", content_type="multipart/form-data", data={
        "csrf_token": _csrf(manager, "/admin/roster/"), "org_id": "0", "file": (io.BytesIO(BAD_ROSTER), "lop.csv")})
    pages["roster"] = response.get_data(as_text=True)

    student = sign_in(app, "hs.an")
    with app.app_context():
        pdf = student.get(f"/certificates/{world.ids['cert_id']}.pdf").get_data()
    assert pdf.startswith(b"%PDF")
    tampered = pdf.replace(b"/Contents", b"/Contentz", 1) if b"/Contents" in pdf else pdf + b"\n% sua\n"
    anonymous = sign_in(app, None)
    response = anonymous.post("/verify", content_type="multipart/form-data", data={
        "csrf_token": _csrf(anonymous, "/verify"), "f-file": (io.BytesIO(tampered), "chung-nhan.pdf")})
    pages["tampered"] = response.get_data(as_text=True)

    organiser = sign_in(app, "btc.hoithi")
    judged = f"/contests/{world.strings['contest']}/rounds/{world.strings['judged_round']}"
    manage = f"{judged}/judging"
    response = organiser.post(f"{judged}/judging/criteria", data={
        "csrf_token": _csrf(organiser, manage), "rows-0-name": "Nội dung", "rows-0-max_points": "mười",
        "rows-0-weight": "-1"})
    pages["criteria"] = response.get_data(as_text=True)

    civil_servant = sign_in(app, "cb.badinh")
    contest = f"/contests/{world.strings['contest']}/"
    response = civil_servant.post(contest, data={
        "csrf_token": _csrf(civil_servant, contest), "full_name": "Hoàng Thị Lụa"}, follow_redirects=True)
    pages["registration"] = response.get_data(as_text=True)

    for name, html in pages.items():
        findings.check(name, html, ids, codes)
    assert _clean(findings), findings.report()
    text = {name: _visible(html) for name, html in pages.items()}
    assert "Dòng 1: câu hỏi" in text["hong.gift"] and "Dòng 5: cặp ghép" in text["hong.gift"]
    assert "loại trắc nghiệm một đáp án" in text["hong.md"] and "loại đúng/sai" in text["hong.md"]
    # Roster problems name the column by the header the file has.
    assert "Ngày sinh '31/02/2009'" in text["roster"] and "Mã đơn vị không có đơn vị nào" in text["roster"]
    assert "Tệp PDF này không đạt kiểm tra." in text["tampered"] and "đã bị thay đổi sau khi ký" in text["tampered"]
    assert "Điểm tối đa" in text["criteria"] and "Không phải số hợp lệ." in text["criteria"], text["criteria"]
    assert "ngày sinh" in text["registration"]


# Header cells that are the same in Vietnamese: an address kind, and the option letters of the
# question template.
ASCII_HEADERS = {"Email", "A", "B", "C", "D", "E", "F"}


def _header_row(response) -> list[str]:
    data = response.get_data()
    if data[:2] == b"PK":
        sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        return [str(cell) for cell in next(sheet.iter_rows(values_only=True)) if cell is not None]
    import csv

    return next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_exported_files_have_vietnamese_headers(walk, site):
    """The first row of every CSV and XLSX a person downloads, exported in Vietnamese: no
    English message id, no code, nothing ASCII-only but the few that read the same."""
    app, world, extra = site
    ids, codes = EnglishIds(), raw_codes()
    downloads = {
        "quantri": ["/admin/audit/export.csv"],
        "quanly.sgd": [f"/reports/org/{world.strings['org_code']}/export.csv",
                       f"/reports/org/{world.strings['org_code']}/export.xlsx",
                       "/admin/roster/template.csv", "/admin/roster/template.xlsx"],
        "btc.hoithi": [f"/contests/{extra['published']}/export.xlsx",
                       f"/contests/manage/{extra['published']}/prizes.xlsx"],
        "tg.soan": ["/quizzes/banks/template.xlsx"],
    }
    problems = []
    for username, urls in downloads.items():
        client = sign_in(app, username)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (username, url, response.status_code)
            headers = _header_row(response)
            assert headers, url
            for cell in headers:
                english = ids.found_in(cell)
                raw = [p for p in pieces(cell) if p in codes] + SNAKE_CASE.findall(cell)
                ascii_only = cell.isascii() and cell not in ASCII_HEADERS
                if english or raw or ascii_only or len(english_words(cell)) >= 2:
                    problems.append(f"{url}: {cell!r}")
    assert not problems, "headers not in Vietnamese:\n" + "\n".join(problems)


def test_the_contest_history_shows_numbers_and_the_answer_log_shows_words(walk, site):
    """From the previous issue: a round's weight read "1.0" in the settings history, and a
    participant's answer log "#26" and "[0]"."""
    from lms.audit.services import record_audit
    from lms.contests.models import Contest, Registration
    from lms.quizzes.models import Attempt, QuestionVersion

    app, world, _extra = site
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == world.strings["contest"]))
        # What organise.update_round logs when the weight goes from 1 to a half.
        record_audit(None, "contest.round.settings", target=contest, changes={"weight": [1.0, 0.5]})
        db.session.commit()
        attempt = db.session.get(Attempt, world.ids["contest_attempt_id"])
        answered = [db.session.get(QuestionVersion, item["v"]) for item in attempt.items[:3]]
        # The option each choice question was answered with (index 0, as the fixture saved).
        chosen = [" ".join(re.sub(r"[*_`\[\]]", "", v.data["choices"][0]["text"]).split())[:20]
                  for v in answered if v.data.get("choices")]
        registration = db.session.scalar(select(Registration).where(Registration.id == world.ids["registration_id"]))
        registration_id = registration.id
    organiser = sign_in(app, "btc.hoithi")
    page = organiser.get(f"/contests/manage/{world.strings['contest']}/").get_data(as_text=True)
    history = _visible(page)
    # The duplicate registration names the one it repeats, linked to its record.
    assert re.search(rf'<a href="/contests/manage/{world.strings["contest"]}/participants/\d+">Nguyễn Văn An</a>', page)
    assert "Trọng số trong điểm chung cuộc: 1 → 0,5" in history and "1.0" not in history
    log = organiser.get(f"/contests/manage/{world.strings['contest']}/participants/{registration_id}")
    text = _visible(log.get_data(as_text=True))
    assert "Câu 1" in text and "Câu 3" in text and "[0]" not in text
    assert all(option in text for option in chosen), chosen


def test_command_line_results_are_vietnamese(walk, site, tmp_path):
    """What `lms` commands print after doing their work (the command line speaks the default
    language): no English message id, no English sentence, codes by their labels."""
    app, _world, _extra = site
    roster = tmp_path / "lop.csv"
    roster.write_bytes(BAD_ROSTER)
    units = tmp_path / "don-vi.csv"
    units.write_text("Mã đơn vị,Tên đơn vị,Loại\nHN-THPT-MOI,Trường THPT Mới,school\nHN-X,X,thiên hà\n",
                     encoding="utf-8")
    ids = EnglishIds()
    runner = app.test_cli_runner()
    outputs = {}
    for args in (["orgs", "list", "--root", "HN-THPT-CVA"], ["import-users", str(roster), "--dry-run"],
                 ["orgs", "import", str(units)], ["quizzes", "close-expired"],
                 ["privacy", "process-deletions", "--older-than-days", "9999"], ["check-content"],
                 ["grant-role", "cb.badinh", "manager"]):
        result = runner.invoke(args=args)
        outputs[" ".join(args[:2]) if len(args) > 1 and not args[1].startswith("/") else args[0]] = \
            result.output.replace(str(tmp_path), "")  # the folder's name is the test's, in English
    problems = [f"{command}: {line!r}" for command, output in outputs.items() for line in output.splitlines()
                if ids.found_in(line) or len(english_words(line)) >= 2]
    assert not problems, "\n".join(problems)
    assert "HN-THPT-CVA-11A1  Lớp 11A1  (Lớp)" in outputs["orgs list"]
    assert "Có 1 lỗi; chưa nhập gì." in outputs["orgs import"]
    assert "Đã chấm" in outputs["quizzes close-expired"] and "Hợp lệ:" in outputs["check-content"]


def test_a_units_name_is_asked_as_a_units_name(walk, site):
    """The unit forms' name field was labelled "Họ và tên" (a person's full name)."""
    app, world, _extra = site
    with app.app_context():
        school = _org_id(world, "HN-THPT-CVA")
    manager = sign_in(app, "quanly.sgd")
    html = manager.get(f"/admin/orgs/{school}").get_data(as_text=True)
    labels = {f: lxml.html.fromstring(html).xpath(f'string(//label[@for="{f}"])').strip() for f in ("name", "child-name")}
    assert labels == {"name": "Tên đơn vị", "child-name": "Tên đơn vị"}
    index = manager.get("/admin/orgs/").get_data(as_text=True)
    assert "Họ và tên" not in _visible(index)
