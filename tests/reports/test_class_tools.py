"""A teacher's class tools on the report pages: choosing the class from a list, the class
in given-name order, the printable class list, and one learner's attempts and answers (with
who may see them: 404 across classes)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from lms.access import rules
from lms.auth.models import User
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.reports import classes
from lms.reports.classes import teacher_sees
from tests.conftest import login
from tests.reports import test_services

world = test_services.world  # the shared fixture

BANK = """---
title: "Kiểm tra dịch vụ công"
review: {review}
shuffle_questions: false
shuffle_options: false
---
## Ứng dụng định danh điện tử quốc gia là gì?
- [x] VNeID
- [ ] Zalo

## Có được đọc mã OTP cho người lạ không?
- [ ] Được
- [x] Không
"""


def english(*users):
    """These tests read the English msgids."""
    for user in users:
        user.locale = "en"
    db.session.commit()


def take_quiz(user, course, review="after_submit", right=(True, False)):
    """A submitted attempt of ``user`` on a bank of its own for ``course``: the first answer
    right, the second wrong (``right``)."""
    bank, _report = quiz_services.load_bank(course.slug, parse_markdown_bank(BANK.format(review=review)))
    db.session.commit()
    attempt = quiz_services.start_attempt(user, bank, course=course)
    versions = quiz_services._item_versions(attempt)
    for item, ok in zip(attempt.items, right, strict=True):
        version = versions[item["v"]]
        index = next(i for i, c in enumerate(version.data["choices"]) if (c["fraction"] > 0) == ok)
        quiz_services.save_answer(attempt, version.id, [str(index)])
    quiz_services.finish_attempt(attempt)
    db.session.commit()
    return attempt


def names_in_order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=html.index)


# --- choosing the class -----------------------------------------------------------------------


def test_a_teacher_with_one_class_goes_straight_to_it(client, world):
    login(client, "gv.a1")
    response = client.get("/reports/class")
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports/class/SA-1")


def test_a_manager_picks_from_the_classes_of_their_scope(client, world, make_org):
    make_org("SA-10", "Lớp A10", "class", parent=world["school_a"])
    make_org("SA-2", "Lớp A2", "class", parent=world["school_a"])
    english(world["manager_a"])
    login(client, "ql.a")
    page = client.get("/reports/class").get_data(as_text=True)
    assert "Choose a class" in page and "Trường A" in page  # grouped under the school
    # Numbers by value: A1, A2, A10; class B1 (another school) is not offered.
    assert names_in_order(page, ["Lớp A10", "Lớp A1<", "Lớp A2"]) == ["Lớp A1<", "Lớp A2", "Lớp A10"]
    assert "Lớp B1" not in page and "/reports/class/SB-1" not in page
    # A code typed by hand still works, and one outside the scope is 404.
    assert client.get("/reports/class?org=SA-2").headers["Location"].endswith("/reports/class/SA-2")
    assert client.get("/reports/class?org=SB-1", follow_redirects=True).status_code == 404
    # The class page offers the other classes to switch to.
    page = client.get("/reports/class/SA-1").get_data(as_text=True)
    assert re.search(r'<select id="switch-org" name="org">.*Lớp A10', page, re.S)


# --- the class in given-name order ----------------------------------------------------------------


def test_class_progress_lists_students_by_given_name_unless_asked_otherwise(client, world, make_user):
    make_user("hs.an", org=world["class_a1"], full_name="Vũ Thị An", kind="student")
    make_user("hs.dao", org=world["class_a1"], full_name="Đặng Văn Đào", kind="student")
    login(client, "gv.a1")
    names = ["Vũ Thị An", "Trần Văn Bình", "Đặng Văn Đào", "Nguyễn Thị Hằng"]
    page = client.get("/reports/class/SA-1").get_data(as_text=True)
    assert names_in_order(page, names) == names  # An, Bình, Đào (Đ after D), Hằng
    page = client.get("/reports/class/SA-1?sort=full").get_data(as_text=True)
    assert names_in_order(page, names) == ["Đặng Văn Đào", "Nguyễn Thị Hằng", "Trần Văn Bình", "Vũ Thị An"]
    # The learners of the class's completion report are in the same order.
    page = client.get("/reports/org/SA-1").get_data(as_text=True)
    assert names_in_order(page, names) == names


def test_the_printable_class_list(client, world, make_user):
    make_user("hs.cuc", org=world["class_a1"], full_name="Lò Thị Cúc", kind="student", date_of_birth=date(2010, 9, 5))
    english(world["teacher"])
    login(client, "gv.a1")
    response = client.get("/reports/class/SA-1/list")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Class list: Lớp A1" in page and "Trường A" in page
    assert "05/09/2010" in page and "hs.cuc" in page and "hs.hang" in page
    assert "css/print-list.css" in page
    rows = re.findall(r'<th scope="row">([^<]+)</th>', page)
    assert rows[:3] == ["Trần Văn Bình", "Lò Thị Cúc", "Nguyễn Thị Hằng"]
    # Progress in the class's course: Hằng read 3 of 3 lessons, scored 90 and completed it.
    hang_row = page[page.index("Nguyễn Thị Hằng"):].split("</tr>")[0]
    assert "3/3" in hang_row and "90.0" in hang_row and "Completed" in hang_row
    assert client.get("/reports/class/SB-1/list").status_code == 404
    assert "<script>" not in page and " style=" not in page


# --- one learner's attempts and answers -------------------------------------------------------


def test_a_teacher_opens_a_students_attempts_and_answers(client, world):
    attempt = take_quiz(world["hang"], world["dvc"])
    english(world["teacher"])
    login(client, "gv.a1")
    class_page = client.get("/reports/class/SA-1").get_data(as_text=True)
    link = f'/reports/learner/{world["hang"].id}'
    assert f'href="{link}"' in class_page  # the name leads to the learner
    page = client.get(link).get_data(as_text=True)
    attempts = page[page.index('id="attempts-heading"'):page.index('id="answers"')]
    assert "Nguyễn Thị Hằng" in page and "Dịch vụ công trực tuyến" in attempts  # the course's title
    assert "1 / 2 (50%)" in page  # score of max and percent
    assert "Not passed" in page
    answers = page[page.index('id="answers"'):]
    assert "Ứng dụng định danh điện tử quốc gia là gì?" in answers
    assert "Answer given:" in answers and "VNeID" in answers and "Được" in answers
    assert answers.count("✓ Right") == 1 and answers.count("✗ Wrong") == 1
    assert "Right answer:" in answers  # the bank shows keys after submitting
    assert client.get(f"{link}?attempt={attempt.id}").status_code == 200
    assert client.get(f"{link}?attempt={attempt.id + 999}").status_code == 404


def test_keys_a_bank_hides_stay_hidden_but_verdicts_show(client, world):
    take_quiz(world["hang"], world["dvc"], review="never")
    english(world["teacher"])
    login(client, "gv.a1")
    page = client.get(f'/reports/learner/{world["hang"].id}').get_data(as_text=True)
    answers = page[page.index('id="answers"'):]
    assert "✓ Right" in answers and "Right answer:" not in answers
    assert "does not show its right answers" in answers


def test_contest_attempts_are_not_listed(client, world):
    attempt = take_quiz(world["hang"], world["dvc"])
    attempt.purpose = "contest"
    db.session.commit()
    english(world["teacher"])
    login(client, "gv.a1")
    page = client.get(f'/reports/learner/{world["hang"].id}').get_data(as_text=True)
    assert "Has not taken a course quiz yet." in page and 'id="answers"' not in page


@pytest.mark.parametrize("viewer, learner, status", [
    ("gv.a1", "hs.hang", 200),   # the teacher of the class
    ("gv.a1", "hs.lan", 404),    # a student of another school's class
    ("gv.a1", "cb.cuong", 404),  # placed in the school, above the teacher's class
    ("gv.a1", "ql.a", 404),      # a manager above the teacher
    ("ql.a", "hs.hang", 200),    # the school's manager
    ("ql.a", "gv.a1", 200),      # ... and its teachers
    ("ql.b", "hs.hang", 404),    # another school's manager
    ("nobody", "hs.hang", 404),  # a learner
    ("admin", "hs.lan", 200),
])
def test_who_may_open_a_learner(client, world, viewer, learner, status):
    take_quiz(world["hang"], world["dvc"])
    login(client, viewer)
    user_id = {u.username: u.id for u in world.values() if hasattr(u, "username")}[learner]
    assert client.get(f"/reports/learner/{user_id}").status_code == status


def test_a_name_links_only_where_the_page_would_open(client, world, make_user):
    colleague = make_user("gv.khac", org=world["class_a1"], full_name="Giáo Viên Khác",
                          roles=[("teacher", world["school_a"])])
    login(client, "gv.a1")
    page = client.get("/reports/class/SA-1").get_data(as_text=True)
    assert f'/reports/learner/{world["hang"].id}"' in page
    assert f'/reports/learner/{colleague.id}"' not in page  # a teacher of the whole school
    assert client.get(f"/reports/learner/{colleague.id}").status_code == 404


def test_what_a_teacher_sees_of_answers():
    # (verdicts, right answers)
    assert teacher_sees(submitted=False, sealed_for_viewer=False, learner_sees_keys=True) == (False, False)
    assert teacher_sees(submitted=True, sealed_for_viewer=True, learner_sees_keys=True) == (False, False)
    assert teacher_sees(submitted=True, sealed_for_viewer=False, learner_sees_keys=False) == (True, False)
    assert teacher_sees(submitted=True, sealed_for_viewer=False, learner_sees_keys=True) == (True, True)


def test_reading_a_learner_record_needs_scope_over_home_and_roles():
    teacher = [("teacher", "/1/2/3/")]
    manager = [("manager", "/1/2/")]
    assert rules.can_read_learner_record(teacher, "/1/2/3/", [])
    assert not rules.can_read_learner_record(teacher, "/1/2/4/", [])
    assert not rules.can_read_learner_record(teacher, "/1/2/3/", [("teacher", "/1/2/3/")])
    assert rules.can_read_learner_record(manager, "/1/2/3/", [("teacher", "/1/2/3/")])
    assert not rules.can_read_learner_record(manager, "/1/2/", [("manager", "/1/")])
    assert not rules.can_read_learner_record(manager, "/1/2/3/", [("author", None)])
    assert rules.can_read_learner_record([("admin", None)], None, [("admin", None)])


# --- the people list ------------------------------------------------------------------------


def test_the_people_list_of_a_class_is_in_given_name_order_page_by_page(client, world, make_user):
    for n, name in enumerate(["Vũ Thị An", "Đặng Văn Đào", "Lê Thị Ánh", "Hồ Văn Ân", "Mai Dũng"]):
        make_user(f"hs.x{n}", org=world["class_a1"], full_name=name, kind="student")
    login(client, "gv.a1")
    names = ["Vũ Thị An", "Lê Thị Ánh", "Hồ Văn Ân", "Trần Văn Bình", "Mai Dũng", "Đặng Văn Đào", "Nguyễn Thị Hằng"]
    page = client.get("/admin/users/?org=SA-1").get_data(as_text=True)  # a class: by given name
    assert names_in_order(page, names) == names
    page = client.get("/admin/users/?org=SA-1&sort=full").get_data(as_text=True)
    assert names_in_order(page, names)[:2] == ["Đặng Văn Đào", "Hồ Văn Ân"]
    # Pages of a list sorted in Python: each page in order, none lost, out of range = the last.
    stmt = select(User).where(User.org_id == world["class_a1"].id)
    pages = [classes.given_name_page(stmt, n, per_page=3) for n in (1, 2, 3)]
    assert [p.pages for p in pages] == [3, 3, 3] and pages[0].total == 8
    assert [u.full_name for p in pages for u in p.items][:7] == names
    assert pages[0].has_next and not pages[0].has_prev and not pages[2].has_next
    assert classes.given_name_page(stmt, 99, per_page=3).page == 3
