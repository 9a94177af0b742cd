"""Fault 2 of issue #14: a school manager took over a teacher's account who also held a
role elsewhere (contest organiser, manager of another unit, author), and read what that
role reaches. Acting on an account needs scope over every role it holds. Through the app,
on SQLite and PostgreSQL (``any_db_app``)."""

import io

import pytest
from sqlalchemy import select

from lms.auth.models import RoleAssignment, User
from lms.contests import services as contest_services
from lms.contests.judging_models import ContestJudge
from lms.extensions import db
from tests.conftest import PASSWORD, csrf_token, login, post_form


@pytest.fixture
def world(any_db_app, make_org, make_user):
    province = make_org("P", "Tỉnh Mẫu", "province")
    school_a = make_org("SA", "Trường A", "school", parent=province)
    class_a1 = make_org("SA-1", "Lớp A1", "class", parent=school_a)
    school_b = make_org("SB", "Trường B", "school", parent=province)
    contest = contest_services.create_contest(None, "hoi-thi", "Hội thi", scope=province)
    db.session.commit()
    manager = make_user("ql.a", org=school_a, roles=[("manager", school_a)])
    organiser = make_user("gv.btc", org=school_a, full_name="Giáo viên Ban tổ chức", roles=[("teacher", class_a1)])
    db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=contest.id))
    elsewhere = make_user("gv.b", org=school_a, full_name="Giáo viên Quản lý B", roles=[("manager", school_b)])
    author = make_user("gv.tg", org=school_a, full_name="Giáo viên Tác giả", roles=[("author", None)])
    judge = make_user("gv.gk", org=school_a, full_name="Giáo viên Giám khảo", roles=[("teacher", class_a1)])
    db.session.add(ContestJudge(contest_id=contest.id, user_id=judge.id))
    teacher = make_user("gv.a1", org=school_a, full_name="Giáo viên Lớp A1", roles=[("teacher", class_a1)])
    student = make_user("hs.a1", org=class_a1, full_name="Học sinh A1", kind="student")
    for user in (organiser, elsewhere, author, judge):
        user.deletion_requested_at = user.created_at
    db.session.commit()
    return {"client": any_db_app.test_client(), "manager": manager, "organiser": organiser, "elsewhere": elsewhere,
            "author": author, "judge": judge, "teacher": teacher, "student": student, "school_a": school_a}


ACTIONS = ("one-time-code", "edit", "active")


def _act(client, user, action):
    return post_form(client, f"/admin/users/{user.id}/{action}",
                     {"full_name": "Bị đổi tên", "org_code": "SA", "kind": "civil_servant"},
                     page="/admin/users/")


@pytest.mark.parametrize("target", ["organiser", "elsewhere", "author", "judge"])
def test_a_school_manager_cannot_act_on_an_account_holding_a_role_beyond_his_reach(world, target):
    client, victim = world["client"], world[target]
    before = (victim.password_hash, victim.full_name, victim.active)
    login(client, "ql.a")
    for action in ACTIONS:
        assert _act(client, victim, action).status_code == 404, action
    db.session.expire_all()
    after = db.session.get(User, victim.id)
    assert (after.password_hash, after.full_name, after.active) == before
    # The victim still signs in with their own password: nothing was taken over.
    other = world["client"].application.test_client()
    login(other, victim.username, PASSWORD)


def test_login_slips_skip_accounts_beyond_reach(world):
    client = world["client"]
    for key in ("organiser", "elsewhere", "author", "judge", "teacher", "student"):
        world[key].password_hash = None  # nobody chose a password yet: everyone would get a slip
    db.session.commit()
    login(client, "ql.a")
    preview = post_form(client, "/admin/users/login-slips", {"org_code": "SA"}).get_data(as_text=True)
    assert "4 người giữ vai trò ngoài các đơn vị của bạn" in preview
    html = post_form(client, "/admin/users/login-slips", {"org_code": "SA", "confirm": "yes"}).get_data(as_text=True)
    assert 'aria-label="Học sinh A1"' in html and 'aria-label="Giáo viên Lớp A1"' in html
    for name in ("Giáo viên Ban tổ chức", "Giáo viên Quản lý B", "Giáo viên Tác giả", "Giáo viên Giám khảo"):
        assert name not in html and name not in preview


def test_privacy_deletion_of_such_an_account_is_for_admins(world):
    client = world["client"]
    login(client, "ql.a")
    pending = client.get("/admin/privacy/deletions").get_data(as_text=True)
    assert "Giáo viên Ban tổ chức" not in pending and "Giáo viên Giám khảo" not in pending
    response = post_form(client, f"/admin/privacy/deletions/{world['organiser'].id}", {},
                         page="/admin/privacy/deletions")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, world["organiser"].id).deleted_at is None


def test_roster_reimport_does_not_change_such_an_account(world):
    client = world["client"]
    login(client, "ql.a")
    token = csrf_token(client, "/admin/roster/")
    data = "Họ và tên,Mã đơn vị,Số điện thoại,Tên đăng nhập\nKẻ Giả Danh,SA,0911111111,gv.btc\n".encode()
    page = client.post("/admin/roster/", data={"csrf_token": token, "org_id": "0", "file": (io.BytesIO(data), "r.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    if 'action="/admin/roster/confirm/' in page:
        confirm = page.split('action="/admin/roster/confirm/')[1].split('"')[0]
        client.post(f"/admin/roster/confirm/{confirm}", data={"csrf_token": token})
    db.session.expire_all()
    victim = db.session.get(User, world["organiser"].id)
    assert victim.full_name == "Giáo viên Ban tổ chức" and victim.phone is None


def test_the_manager_still_acts_on_plain_teachers_and_learners(world):
    client = world["client"]
    login(client, "ql.a")
    for who in ("teacher", "student"):
        response = _act(client, world[who], "one-time-code")
        assert response.status_code == 200, who
    detail = client.get(f"/admin/users/{world['organiser'].id}")
    assert detail.status_code == 200  # seen (home unit in scope), but without the buttons
    html = detail.get_data(as_text=True)
    assert "/one-time-code" not in html


def test_an_admin_acts_on_anyone(world, make_user):
    make_user("admin", roles=[("admin", None)])
    client = world["client"]
    login(client, "admin")
    assert _act(client, world["organiser"], "one-time-code").status_code == 200
    assert db.session.scalar(select(User.must_change_password).where(User.id == world["organiser"].id))


@pytest.mark.parametrize("target", ["organiser", "elsewhere", "judge"])
def test_a_school_manager_cannot_reshape_the_unit_roles_of_such_an_account(world, target):
    """Granting or removing a unit role is acting on the account too: the manager may not add
    a teacher role to (or remove one from) a teacher who organises a contest or manages
    another unit; the refusal says only an admin may."""
    client, victim = world["client"], world[target]
    before = sorted((r.role, r.org_id, r.contest_id) for r in victim.roles)
    login(client, "ql.a")
    response = post_form(client, f"/admin/users/{victim.id}/roles", {"role": "teacher", "org_code": "SA"},
                         page="/admin/users/", follow_redirects=True)
    assert "chỉ quản trị viên" in response.get_data(as_text=True).lower()
    own = [r for r in victim.roles if r.role == "teacher"]
    for assignment in own:
        post_form(client, f"/admin/users/{victim.id}/roles/{assignment.id}/revoke", {}, page="/admin/users/")
    db.session.expire_all()
    after = sorted((r.role, r.org_id, r.contest_id) for r in db.session.get(User, victim.id).roles)
    assert after == before


def test_a_school_manager_still_grants_a_role_to_a_plain_teacher(world):
    client, teacher = world["client"], world["teacher"]
    login(client, "ql.a")
    post_form(client, f"/admin/users/{teacher.id}/roles", {"role": "teacher", "org_code": "SA"}, page="/admin/users/")
    db.session.expire_all()
    assert ("teacher", world["school_a"].id) in {(r.role, r.org_id) for r in db.session.get(User, teacher.id).roles}


def test_nobody_acts_on_his_own_account_from_the_people_pages(world):
    """A manager clicked 'Give a one-time code' on his own page: his password was replaced and
    he was signed out into a forced reset (found by a tester). His own page now sends him to
    his profile, and the posts are refused."""
    client, manager = world["client"], world["manager"]
    before = manager.password_hash
    login(client, "ql.a")
    page = client.get(f"/admin/users/{manager.id}").get_data(as_text=True)
    assert "trang hồ sơ của bạn" in page and "one-time-code" not in page
    for action in ACTIONS:
        assert _act(client, manager, action).status_code == 404, action
    db.session.expire_all()
    assert db.session.get(User, manager.id).password_hash == before
    assert client.get("/profile").status_code == 200  # still signed in


def test_the_page_offers_no_role_change_it_would_refuse(world):
    client, organiser = world["client"], world["organiser"]
    login(client, "ql.a")
    page = client.get(f"/admin/users/{organiser.id}").get_data(as_text=True)
    assert f"/admin/users/{organiser.id}/roles" not in page  # neither the grant form nor a remove button


def test_a_manager_asking_for_the_author_role_is_told_only_an_admin_grants_it(world):
    client, teacher = world["client"], world["teacher"]
    login(client, "ql.a")
    for org_code in ("SA", ""):
        response = post_form(client, f"/admin/users/{teacher.id}/roles", {"role": "author", "org_code": org_code},
                             page="/admin/users/", follow_redirects=True)
        assert "Chỉ quản trị viên được cấp vai trò này" in response.get_data(as_text=True), org_code
