"""The leaderboard ranked in SQL (issue 17, faults 3 and 8): the same order and ranks as the pure
rule on both databases, a participant's own place by one count, one version every worker reads
from the database, and a poll of an unchanged board that costs one query and no encoding."""

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from lms import create_app
from lms.auth.models import User
from lms.contests import organise, rounds, services
from lms.contests.models import Registration, RoundEntry
from lms.contests.ranking import Entry, Shown, Stage, rank_participants
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from tests.conftest import _testing_overrides

T0 = datetime(2030, 5, 1, 2)
BANK = "---\ntitle: Vòng 1\n---\n## Câu 1\n- [x] A\n- [ ] B\n"


def make_round(slug="bang", opens=None, closes=None, **settings):
    contest = services.create_contest(None, slug, "Hội thi bảng xếp hạng")
    contest.status = "open"
    quiz_services.load_bank(f"{slug}-bank", parse_markdown_bank(BANK))
    now = utcnow()
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=opens or now - timedelta(hours=1),
        closes_at=closes or now + timedelta(hours=1), bank_slug=f"{slug}-bank",
        tiebreaker_question="Bao nhiêu người đúng hết?", **{"hide_results_until_close": False, **settings}))
    db.session.commit()
    return contest, round_


def people(contest, n, org=None):
    """``n`` accounts registered for ``contest``: their registration ids, in order."""
    db.session.execute(insert(User), [{"username": f"{contest.slug}{i:04d}", "full_name": f"Thí Sinh {i}",
                                       "name_search": "", "kind": "student", "org_id": org.id if org else None}
                                      for i in range(n)])
    users = list(db.session.scalars(select(User).where(User.username.like(f"{contest.slug}%")).order_by(User.id)))
    db.session.execute(insert(Registration), [
        {"contest_id": contest.id, "user_id": u.id, "org_id": u.org_id, "full_name": u.full_name,
         "identity_key": str(u.id)} for u in users])
    db.session.commit()
    return list(db.session.scalars(select(Registration.id).where(Registration.contest_id == contest.id)
                                   .order_by(Registration.id)))


def random_results(round_, registration_ids, rng):
    """Results crowded onto few values, so that every key (and ties) decides somewhere."""
    rows = []
    for rid in registration_ids:
        score = rng.choice([100.0, 90.0, 80.0, 80.001, 80.004, 75.5, 75.49, rng.uniform(0, 100)])
        seconds = rng.choice([300.2, 300.21, 300.29, 300.9, 301.0, rng.uniform(30, 900)])
        submitted = T0 + timedelta(seconds=rng.choice([0, 0, 1, 2]), microseconds=rng.randint(0, 999_999))
        rows.append({"round_id": round_.id, "registration_id": rid, "prediction": rng.choice([None, 3, 5, 8, 40]),
                     **rounds.result_values(score, seconds, submitted)})
    db.session.execute(insert(RoundEntry), rows)
    db.session.commit()


def pure_ranking(round_, true_count):
    entries = [Entry(e.registration_id, e.score, e.seconds_taken, e.submitted_at, e.prediction)
               for e in db.session.scalars(select(RoundEntry).where(RoundEntry.round_id == round_.id))]
    return [(r.entry.participant_id, r.rank, r.tied) for r in rank_participants(entries, true_count)]


@pytest.mark.parametrize("true_count", [None, 5])
def test_sql_order_and_ranks_equal_the_pure_rule(any_db_app, true_count):
    contest, round_ = make_round()
    ids = people(contest, 300)
    random_results(round_, ids, random.Random(17))
    round_.tiebreaker_answer = true_count
    db.session.commit()
    expected = pure_ranking(round_, true_count)
    everyone = rounds.ranked_rows(round_)
    assert [(r.registration_id, r.rank, r.tied) for r in everyone] == expected
    assert len({r.rank for r in everyone}) < len(everyone)  # the data did make ties
    assert {r.decided_by for r in everyone[1:]} >= {"score", "time", "submitted", "tie"} | (
        {"prediction"} if true_count is not None else set())
    for cut in (1, 37, 120):  # the top rows alone, with a tie across the cut still marked
        assert rounds.ranked_rows(round_, cut) == everyone[:cut]
    # A participant's own place from one count: the same rank and tie mark as the full ranking.
    empty = rounds.Leaderboard([], len(everyone), Stage.OPEN, Shown.LIVE, None, true_count)
    user_of = dict(db.session.execute(select(Registration.id, Registration.user_id)).all())
    for row in random.Random(3).sample(everyone, 25) + [everyone[0], everyone[-1]]:
        place = rounds.place_of(round_, empty, user_of[row.registration_id])
        assert (place.registration_id, place.rank, place.tied) == (row.registration_id, row.rank, row.tied)


def test_the_live_board_reads_the_top_rows_and_counts_the_rest(app, monkeypatch):
    monkeypatch.setattr(rounds, "TOP", 20)
    contest, round_ = make_round()
    random_results(round_, people(contest, 60), random.Random(5))
    board = rounds.leaderboard(round_)
    assert board.stage is Stage.OPEN and board.shown is Shown.LIVE and not board.frozen
    assert board.total == 60 and board.rows == rounds.ranked_rows(round_)[:20]


def _poll(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.json


def test_two_app_instances_agree_after_a_new_result(app, tmp_path):
    """Two workers (two apps on the same SQLite file, no shared memory): a new result, then a
    true count set by the organiser, reach the board of the worker that did not write them."""
    contest, round_ = make_round(closes=utcnow() - timedelta(minutes=5))
    ids = people(contest, 3)
    db.session.add_all([RoundEntry(round_id=round_.id, registration_id=ids[0], score=75.0, seconds_taken=300.2,
                                   submitted_at=T0, prediction=9),
                        RoundEntry(round_id=round_.id, registration_id=ids[1], score=75.0, seconds_taken=300.9,
                                   submitted_at=T0, prediction=1)])
    db.session.commit()
    url = f"/contests/{contest.slug}/rounds/1/leaderboard.json"
    other = create_app({"TESTING": True, "DATABASE_URL": str(db.engine.url), **_testing_overrides()},
                       instance_path=str(tmp_path / "other"))
    first, second = app.test_client(), other.test_client()
    seen = _poll(first, url)
    assert [(r["name"], r["rank"]) for r in seen["rows"]] == [("Thí Sinh 0", 1), ("Thí Sinh 1", 2)]
    assert _poll(second, url) == seen and seen["stage"] == "closed_grading" and "true_count" in seen["pending"]
    assert [r["prediction"] for r in seen["rows"]] == [None, None]  # nobody's guess shows before the true count
    with other.app_context():  # the other worker records a result
        db.session.add(RoundEntry(round_id=round_.id, registration_id=ids[2], score=100.0, seconds_taken=500.0,
                                  submitted_at=T0, prediction=2))
        db.session.commit()
    assert [r["name"] for r in _poll(first, url)["rows"]] == ["Thí Sinh 2", "Thí Sinh 0", "Thí Sinh 1"]
    with other.app_context():  # ... and the organiser sets the true count there: a board_version bump
        organise.set_true_count(None, db.session.get(type(round_), round_.id), 1)
        db.session.commit()
    after = _poll(first, url)
    assert [(r["name"], r["decided_by"]) for r in after["rows"]] == [
        ("Thí Sinh 2", None), ("Thí Sinh 1", "score"), ("Thí Sinh 0", "prediction")]
    assert [r["prediction"] for r in after["rows"]] == [2, 1, 9]
    assert after["stage"] == "closed_final" and not after["provisional"] and _poll(second, url) == after


def test_a_cached_poll_makes_one_query_and_reuses_the_encoded_body(app):
    contest, round_ = make_round()
    random_results(round_, people(contest, 40), random.Random(9))
    client = app.test_client()
    url = f"/contests/{contest.slug}/rounds/1/leaderboard.json"
    first = client.get(url).get_data()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        again = client.get(url).get_data()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert again == first and len(statements) == 1, statements
    with app.test_request_context():
        board = rounds.leaderboard(db.session.get(type(round_), round_.id))
        assert rounds.board_json(board, round_, "name_and_unit") is rounds.board_json(board, round_, "name_and_unit")


def test_a_cached_page_poll_renders_the_page_around_rows_rendered_once(app):
    """The HTML board under churn: 200 rows rendered per request cost ~10 ms of CPU, so they
    are rendered once per board version and audience; a poll renders only the page around."""
    from flask import template_rendered

    contest, round_ = make_round()
    random_results(round_, people(contest, 40), random.Random(4))
    client = app.test_client()
    url = f"/contests/{contest.slug}/rounds/1/leaderboard"
    first = client.get(url).get_data(as_text=True)
    rendered = []
    listener = lambda sender, template, context, **extra: rendered.append(template.name)  # noqa: E731
    template_rendered.connect(listener, app)
    try:
        again = client.get(url).get_data(as_text=True)
    finally:
        template_rendered.disconnect(listener, app)
    assert "contests/_board_rows.html" not in rendered and "contests/leaderboard.html" in rendered
    table = lambda page: page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]  # noqa: E731
    assert table(again) == table(first) and table(first).count("<tr>") == 40


def test_a_new_result_changes_the_version_and_the_board(app):
    contest, round_ = make_round()
    ids = people(contest, 2)
    client = app.test_client()
    url = f"/contests/{contest.slug}/rounds/1/leaderboard.json"
    assert _poll(client, url)["rows"] == []
    entry = RoundEntry(round_id=round_.id, registration_id=ids[0], score=50.0, seconds_taken=60.0, submitted_at=T0)
    db.session.add(entry)
    db.session.commit()
    assert entry.score_key == -5000 and entry.time_key == 600 and entry.changed_at is not None
    assert [r["score"] for r in _poll(client, url)["rows"]] == [50.0]
    entry.score = 62.5  # a regrade, say: the ORM keeps the keys and the change time
    db.session.commit()
    assert entry.score_key == -6250 and [r["score"] for r in _poll(client, url)["rows"]] == [62.5]
