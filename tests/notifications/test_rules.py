"""The reminder rules over plain data: which notices are due, their keys, the digest's grouping."""

from datetime import date, datetime, timedelta

from lms.notifications import rules
from lms.notifications.rules import (
    AssignedCourse,
    ContestTaken,
    PersonCourse,
    Recipient,
    RoundRegistration,
    Unmailed,
)

# 10:00 in Vietnam on 12 May 2026 (03:00 UTC).
NOW = datetime(2026, 5, 12, 3, 0)
TODAY = date(2026, 5, 12)


def course(aid=1, due=None, created=NOW - timedelta(days=30), title="Dịch vụ công"):
    return AssignedCourse(assignment_id=aid, title=title, link="/courses/dvc/", created_at=created, due_on=due,
                          title_i18n={"en": "Online public services"})


def kinds(person, now=NOW):
    return [n.kind for n in rules.assignment_notices(person, now)]


def test_a_new_assignment_is_announced_for_a_week_with_its_due_date():
    fresh = course(due=TODAY + timedelta(days=20), created=NOW - timedelta(hours=2))
    [notice] = rules.assignment_notices(PersonCourse(7, False, (fresh,)), NOW)
    assert (notice.user_id, notice.kind, notice.link) == (7, "assignment_new", "/courses/dvc/")
    assert notice.params == {"course": "Dịch vụ công", "course_i18n": {"en": "Online public services"},
                             "due_on": "2026-06-01"}
    assert notice.dedupe_key == "assignment_new:1"
    week_old = course(created=NOW - timedelta(days=7, minutes=1))
    assert kinds(PersonCourse(7, False, (week_old,))) == []


def test_due_in_three_days_or_fewer_and_not_completed():
    for days, expected in ((4, []), (3, ["due_soon"]), (1, ["due_soon"]), (0, ["due_soon"])):
        assert kinds(PersonCourse(7, False, (course(due=TODAY + timedelta(days=days)),))) == expected, days
    assert kinds(PersonCourse(7, True, (course(due=TODAY + timedelta(days=2)),))) == []


def test_the_due_date_is_a_vietnam_day():
    # 18:00 UTC on 8 May is 01:00 on 9 May in Vietnam: the course due on 12 May is 3 days away.
    late_evening_utc = datetime(2026, 5, 8, 18, 0)
    assert kinds(PersonCourse(7, False, (course(due=TODAY),)), late_evening_utc) == ["due_soon"]
    assert kinds(PersonCourse(7, False, (course(due=TODAY),)), late_evening_utc - timedelta(hours=2)) == []


def test_one_notice_per_course_at_a_time():
    # Assigned two days before the date: "new" gives the date; no "due soon" after it.
    close = course(due=TODAY + timedelta(days=2), created=NOW - timedelta(hours=1))
    assert kinds(PersonCourse(7, False, (close,))) == ["assignment_new"]
    assert kinds(PersonCourse(7, False, (close,)), NOW + timedelta(days=1)) == ["assignment_new"]
    # Assigned a week ahead: "new" at once, "due soon" three days before; someone first seen
    # then (joined the class late) gets "due soon" alone.
    ahead = course(due=TODAY + timedelta(days=7), created=NOW - timedelta(hours=1))
    assert kinds(PersonCourse(7, False, (ahead,))) == ["assignment_new"]
    assert kinds(PersonCourse(7, False, (ahead,)), NOW + timedelta(days=4)) == ["due_soon"]
    assert kinds(PersonCourse(7, False, (ahead,)), NOW + timedelta(days=8)) == ["overdue"]


def test_overdue_once_per_due_date_for_two_weeks_then_silence():
    late = course(due=TODAY - timedelta(days=1), created=NOW - timedelta(days=2))
    [notice] = rules.assignment_notices(PersonCourse(7, False, (late,)), NOW)
    assert notice.kind == "overdue" and notice.dedupe_key == "overdue:1:2026-05-11"
    assert kinds(PersonCourse(7, False, (course(due=TODAY - timedelta(days=14)),))) == ["overdue"]
    assert kinds(PersonCourse(7, False, (course(due=TODAY - timedelta(days=15)),))) == []
    assert kinds(PersonCourse(7, True, (late,))) == []
    assert kinds(PersonCourse(7, False, (course(due=TODAY),))) == ["due_soon"]  # due today is not overdue


def test_a_new_due_date_is_a_new_reminder():
    first = rules.assignment_notices(PersonCourse(7, False, (course(due=TODAY + timedelta(days=2)),)), NOW)
    moved = rules.assignment_notices(PersonCourse(7, False, (course(due=TODAY + timedelta(days=3)),)), NOW)
    assert first[0].dedupe_key != moved[0].dedupe_key
    again = rules.assignment_notices(PersonCourse(7, False, (course(due=TODAY + timedelta(days=2)),)),
                                     NOW + timedelta(hours=5))
    assert again[0].dedupe_key == first[0].dedupe_key  # a later run: the same notice, not a second one


def test_one_course_assigned_twice_gives_one_reminder_at_the_earliest_due_date():
    school = course(aid=1, due=TODAY + timedelta(days=30))
    klass = course(aid=2, due=TODAY + timedelta(days=2))
    notices = rules.assignment_notices(PersonCourse(7, False, (school, klass)), NOW)
    assert [(n.kind, n.dedupe_key) for n in notices] == [("due_soon", "due_soon:2:2026-05-14")]
    assert rules.effective_assignment([course(aid=3), course(aid=4, due=TODAY)]).assignment_id == 4
    assert rules.effective_assignment([]) is None


def test_possible_keys_cover_what_people_get():
    fresh = course(due=TODAY + timedelta(days=3), created=NOW - timedelta(days=5))
    assert rules.assignment_keys_possible(fresh, NOW) == ["due_soon:1:2026-05-15"]
    assert rules.assignment_keys_possible(course(created=NOW), NOW) == ["assignment_new:1"]
    assert rules.assignment_keys_possible(course(), NOW) == []


def registration(**changes):
    values = dict(user_id=7, round_id=3, contest_title="Hội thi", round_title="Vòng 1", link="/contests/hoi-thi/",
                  opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=2),
                  registered_at=NOW - timedelta(days=3), started=False)
    values.update(changes)
    return RoundRegistration(**values)


def test_round_open_goes_to_people_registered_before_it_opened_who_have_not_started():
    notice = rules.round_open_notice(registration(), NOW)
    assert notice.kind == "round_open" and notice.dedupe_key == "round_open:3:20260512T020000"
    assert notice.params == {"contest": "Hội thi", "round": "Vòng 1", "closes_at": "2026-05-14T03:00:00"}
    assert rules.round_open_notice(registration(started=True), NOW) is None
    assert rules.round_open_notice(registration(registered_at=NOW - timedelta(minutes=5)), NOW) is None
    assert rules.round_open_notice(registration(opens_at=NOW + timedelta(minutes=1)), NOW) is None
    assert rules.round_open_notice(registration(closes_at=NOW), NOW) is None
    moved = rules.round_open_notice(registration(opens_at=NOW - timedelta(minutes=30)), NOW)
    assert moved.dedupe_key != notice.dedupe_key


def test_results_go_to_people_who_took_part_for_two_weeks():
    published = NOW - timedelta(hours=3)
    fact = ContestTaken(7, 5, "Hội thi", "/contests/hoi-thi/results", published, took_part=True)
    notice = rules.results_notice(fact, NOW)
    assert notice.kind == "results_published" and notice.dedupe_key == "results_published:5:20260512T000000"
    assert rules.results_notice(ContestTaken(7, 5, "Hội thi", "/x", published, took_part=False), NOW) is None
    assert rules.results_notice(ContestTaken(7, 5, "Hội thi", "/x", None, took_part=True), NOW) is None
    old = ContestTaken(7, 5, "Hội thi", "/x", NOW - timedelta(days=15), took_part=True)
    assert rules.results_notice(old, NOW) is None


def test_a_kind_switched_off_on_every_channel_is_not_created():
    assert rules.channels_on("due_soon", set()) == {"in_app", "email"}
    assert rules.channels_on("due_soon", {("due_soon", "email")}) == {"in_app"}
    assert rules.worth_creating("due_soon", {("due_soon", "email")})
    assert not rules.worth_creating("due_soon", {("due_soon", "email"), ("due_soon", "in_app")})
    assert rules.worth_creating("overdue", {("due_soon", "email"), ("due_soon", "in_app")})


def test_the_digest_is_one_mail_per_person_with_what_they_want_by_email():
    yesterday = NOW - timedelta(days=1)
    unmailed = [
        Unmailed(1, 7, "due_soon", yesterday + timedelta(hours=1)),
        Unmailed(2, 7, "assignment_new", yesterday),
        Unmailed(3, 7, "round_open", yesterday),              # 7 switched round_open email off
        Unmailed(4, 8, "overdue", yesterday),                  # 8 has no email address
        Unmailed(5, 9, "overdue", yesterday),
        Unmailed(6, 9, "overdue", NOW - timedelta(hours=1)),   # today's: tomorrow's digest
        Unmailed(7, 10, "overdue", yesterday),                 # 10's account is closed
        Unmailed(8, 11, "overdue", NOW - timedelta(days=8)),   # too old to mail
        Unmailed(9, 12, "overdue", yesterday),                 # nobody
    ]
    recipients = {
        7: Recipient(7, "an@example.vn", switched_off=frozenset({("round_open", "email"), ("due_soon", "in_app")})),
        8: Recipient(8, None), 9: Recipient(9, "binh@example.vn"), 10: Recipient(10, "c@example.vn", reachable=False),
        11: Recipient(11, "d@example.vn"),
    }
    plan = rules.plan_digest(unmailed, recipients, NOW)
    assert plan.mails == [(7, [2, 1]), (9, [5])]
    assert plan.not_mailed == [3, 4, 7, 8, 9]
    assert plan.later == 1
    assert rules.plan_digest([], recipients, NOW).mails == []


def test_the_digest_of_a_day_lists_the_notices_of_the_days_before():
    # 23:30 on 11 May in Vietnam (16:30 UTC) is still 11 May: a notice of 11 May 08:00 waits.
    evening = datetime(2026, 5, 11, 16, 30)
    assert rules.digest_cutoff(evening) == datetime(2026, 5, 10, 17, 0)
    assert rules.digest_cutoff(NOW) == datetime(2026, 5, 11, 17, 0)
    notice = Unmailed(1, 7, "overdue", datetime(2026, 5, 11, 1, 0))
    recipients = {7: Recipient(7, "an@example.vn")}
    assert rules.plan_digest([notice], recipients, evening).mails == []
    assert rules.plan_digest([notice], recipients, NOW).mails == [(7, [1])]
