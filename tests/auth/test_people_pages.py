"""People pages: the scope matrix, one-time codes, login slips, roles; and the auth CLI."""

from sqlalchemy import event, select

from lms.auth.models import RoleAssignment, User
from lms.extensions import db
from tests.conftest import csrf_token, login, post_form


def people(sample_tree, make_user):
    return {
        "manager_a": make_user("ql.a", org=sample_tree["school_a"], roles=[("manager", sample_tree["school_a"])]),
        "teacher_a1": make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])]),
        "student_a1": make_user("hs.a1", full_name="Nguyễn Thị Hoà", org=sample_tree["class_a1"], kind="student"),
        "student_b1": make_user("hs.b1", full_name="Trần Văn Bình", org=sample_tree["class_b1"], kind="student"),
    }


def test_manager_of_school_a_never_reaches_school_b(client, sample_tree, make_user):
    p = people(sample_tree, make_user)
    login(client, "ql.a")
    listing = client.get("/admin/users/").get_data(as_text=True)
    assert "Nguyễn Thị Hoà" in listing and "Trần Văn Bình" not in listing
    b = p["student_b1"].id
    token = csrf_token(client, "/admin/users/")
    assert client.get(f"/admin/users/{b}").status_code == 404
    for path in ("edit", "active", "one-time-code", "roles"):
        assert client.post(f"/admin/users/{b}/{path}", data={"csrf_token": token, "full_name": "x",
                                                             "org_code": "SB-1", "role": "teacher"}).status_code == 404
    assert client.get("/admin/users/?org=SB").status_code == 404
    assert "Trần Văn Bình" not in client.get("/admin/users/?q=binh").get_data(as_text=True)
    slips = post_form(client, "/admin/users/login-slips", {"org_code": "SB-1"}).get_data(as_text=True)
    assert "Trần Văn Bình" not in slips and "SB-1" in slips


def test_teacher_sees_only_their_class_and_cannot_grant(client, sample_tree, make_user):
    p = people(sample_tree, make_user)
    login(client, "gv.a1")
    listing = client.get("/admin/users/").get_data(as_text=True)
    assert "Nguyễn Thị Hoà" in listing and "Trần Văn Bình" not in listing
    page = client.get(f"/admin/users/{p['student_a1'].id}").get_data(as_text=True)
    assert "Grant" not in page and "Cấp vai trò" not in page
    response = post_form(client, f"/admin/users/{p['student_a1'].id}/roles", {"role": "teacher", "org_code": "SA-1"},
                         page=f"/admin/users/{p['student_a1'].id}")
    assert response.status_code == 302
    assert db.session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == p["student_a1"].id)) is None


def test_search_without_diacritics_and_no_n_plus_one(client, sample_tree, make_user):
    people(sample_tree, make_user)
    make_user("admin", roles=[("admin", None)])
    login(client, "admin")
    assert "Nguyễn Thị Hoà" in client.get("/admin/users/?q=nguyen thi hoa").get_data(as_text=True)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        client.get("/admin/users/")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    # session user, count, page, roles, the header's unread notices, the units of the unit
    # picker: whatever the page size
    assert len(statements) <= 7, statements


def test_one_time_code_then_first_sign_in(client, sample_tree, make_user):
    p = people(sample_tree, make_user)
    login(client, "gv.a1")
    page = post_form(client, f"/admin/users/{p['student_a1'].id}/one-time-code", {},
                     page=f"/admin/users/{p['student_a1'].id}").get_data(as_text=True)
    code = page.split('class="code-big">')[2].split("<")[0]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = post_form(client, "/login", {"username": "hs.a1", "password": code})
    assert response.headers["Location"].endswith("/password")


def test_login_slips_only_for_people_without_a_password_of_their_own(client, sample_tree, make_user):
    people(sample_tree, make_user)
    make_user("hs.a1c", full_name="Đặng Văn Dự", org=sample_tree["class_a1"], password=None)
    make_user("hs.a1b", full_name="Lê Văn Cường", org=sample_tree["class_a1"])
    login(client, "hs.a1b")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "ql.a")
    page = post_form(client, "/admin/users/login-slips", {"org_code": "SA-1", "confirm": "yes"}).get_data(as_text=True)
    assert 'aria-label="Đặng Văn Dự"' in page
    assert 'aria-label="Lê Văn Cường"' not in page and 'aria-label="Nguyễn Thị Hoà"' not in page
    assert db.session.scalar(select(User.must_change_password).where(User.username == "hs.a1c"))
    assert not db.session.scalar(select(User.must_change_password).where(User.username == "hs.a1"))


def test_manager_grants_teacher_in_subtree(client, sample_tree, make_user):
    p = people(sample_tree, make_user)
    login(client, "ql.a")
    post_form(client, f"/admin/users/{p['student_a1'].id}/roles", {"role": "teacher", "org_code": "SA-1"},
              page=f"/admin/users/{p['student_a1'].id}")
    assert db.session.scalar(select(RoleAssignment.role).where(RoleAssignment.user_id == p["student_a1"].id)) == "teacher"


def test_only_admins_act_on_admins(client, sample_tree, make_user):
    admin = make_user("admin", org=sample_tree["school_a"], roles=[("admin", None)])
    people(sample_tree, make_user)
    login(client, "ql.a")
    assert client.get(f"/admin/users/{admin.id}").status_code == 404


def test_cli_create_grant_reset(app, sample_tree):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["create-user", "quan.tri", "--name", "Quản Trị Viên", "--admin", "--password-stdin"],
                            input="mot mat khau dai\n")
    assert created.exit_code == 0 and "Đã tạo tài khoản quan.tri, có vai trò quản trị." in created.output
    user = db.session.scalar(select(User).where(User.username == "quan.tri"))
    assert user.is_admin and user.full_name == "Quản Trị Viên"
    granted = runner.invoke(args=["grant-role", "quan.tri", "manager", "--org", "SA"])
    assert granted.exit_code == 0 and "quan.tri nay có vai trò Cán bộ quản lý đơn vị ở SA." in granted.output
    assert runner.invoke(args=["grant-role", "quan.tri", "manager"]).exit_code == 2
    assert runner.invoke(args=["revoke-role", "quan.tri", "manager", "--org", "SA"]).exit_code == 0
    reset = runner.invoke(args=["reset-password", "quan.tri"])
    assert reset.exit_code == 0 and "Mã dùng một lần của quan.tri: " in reset.output
