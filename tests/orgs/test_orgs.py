"""Organisation tree: services, pages with scope, CLI, and path integrity on a random tree."""

import random

import pytest
from sqlalchemy import event, func, select, text

from lms.auth.models import RoleAssignment, User
from lms.core.errors import ServiceError
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import create_org, merge_org, move_org, subtree_query
from tests.conftest import csrf_token, login, post_form


def codes(stmt):
    return {o.code for o in db.session.scalars(stmt)}


def test_create_and_duplicate_code(app, sample_tree):
    assert sample_tree["class_a1"].path == f"/{sample_tree['province'].id}/{sample_tree['school_a'].id}/{sample_tree['class_a1'].id}/"
    with pytest.raises(ServiceError, match="SA"):
        create_org("SA", "Trùng mã", "school")


def test_move_rewrites_the_whole_subtree(app, sample_tree):
    moved = move_org(sample_tree["school_a"], sample_tree["school_b"])
    db.session.commit()
    a1 = db.session.scalar(select(Organization).where(Organization.code == "SA-1"))
    assert a1.path == f"{sample_tree['school_b'].path}{moved.id}/{a1.id}/" and a1.depth == 3
    assert codes(subtree_query(db.session.get(Organization, sample_tree["school_b"].id))) == {"SB", "SB-1", "SA", "SA-1"}
    with pytest.raises(ServiceError):
        move_org(db.session.get(Organization, sample_tree["school_b"].id), a1)  # under its own descendant


def test_merge_keeps_every_person_role_and_record(app, sample_tree, make_user):
    admin = make_user("admin", roles=[("admin", None)])
    learner = make_user("hs.b", org=sample_tree["class_b1"])
    manager = make_user("ql.b", org=sample_tree["school_b"], roles=[("manager", sample_tree["school_b"])])
    merge_org(sample_tree["school_b"], sample_tree["school_a"], actor=admin)
    db.session.commit()
    db.session.expire_all()
    b = db.session.scalar(select(Organization).where(Organization.code == "SB"))
    a = db.session.scalar(select(Organization).where(Organization.code == "SA"))
    assert not b.active and b.merged_into_id == a.id and b.join_code is None
    assert db.session.get(User, learner.id).org.code == "SB-1"  # the class moved under A with its learner
    assert db.session.scalar(select(Organization.parent_id).where(Organization.code == "SB-1")) == a.id
    assert db.session.get(User, manager.id).org_id == a.id
    assert db.session.scalar(select(RoleAssignment.org_id).where(RoleAssignment.user_id == manager.id)) == a.id
    assert a.headcount == 180
    assert db.session.scalar(select(func.count(User.id))) == 3


def test_subtree_query_uses_the_path_index(app, sample_tree):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    plan = db.session.execute(text(
        "EXPLAIN QUERY PLAN SELECT id FROM organization WHERE path >= :a AND path < :b"), {"a": "/1/", "b": "/10"}).all()
    assert any("ix_organization_path" in str(row) for row in plan), plan


def test_random_tree_keeps_paths_consistent_after_random_moves(app):
    rng = random.Random(7)
    orgs = [create_org("R0", "Gốc", "province")]
    for i in range(1, 300):
        orgs.append(create_org(f"R{i}", f"Đơn vị {i}", "agency", parent=rng.choice(orgs)))
    db.session.commit()
    for _ in range(60):
        org, parent = rng.choice(orgs[1:]), rng.choice(orgs)
        try:
            move_org(db.session.get(Organization, org.id), db.session.get(Organization, parent.id))
        except ServiceError:
            continue
    db.session.commit()
    db.session.expire_all()
    by_id = {o.id: o for o in db.session.scalars(select(Organization))}
    for o in by_id.values():
        chain, node = [], o
        while node is not None:
            chain.append(node.id)
            node = by_id.get(node.parent_id)
        assert o.path == "/" + "/".join(str(i) for i in reversed(chain)) + "/"
        assert o.depth == len(chain) - 1


def test_tree_page_is_one_query_for_the_tree(client, sample_tree, make_user):
    make_user("admin", roles=[("admin", None)])
    login(client, "admin")
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        html = client.get("/admin/orgs/").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert "Lớp A1" in html and "Trường B" in html
    assert sum("FROM organization" in s for s in statements) == 1


def test_manager_of_school_a_cannot_see_or_touch_school_b(client, sample_tree, make_user):
    make_user("ql.a", org=sample_tree["school_a"], roles=[("manager", sample_tree["school_a"])])
    login(client, "ql.a")
    tree = client.get("/admin/orgs/").get_data(as_text=True)
    assert "Lớp A1" in tree and "Trường B" not in tree
    b = sample_tree["school_b"].id
    assert client.get(f"/admin/orgs/{b}").status_code == 404
    token = csrf_token(client, "/admin/orgs/")
    for action in ("edit", "children", "move", "merge", "join-code"):
        assert client.post(f"/admin/orgs/{b}/{action}", data={"csrf_token": token, "name": "x", "code": "x",
                                                             "kind": "school"}).status_code == 404
    assert client.get(f"/admin/orgs/{sample_tree['class_a1'].id}").status_code == 200


def test_a_manager_saves_his_unit_s_edit_form_as_the_page_shows_it(client, sample_tree, make_user):
    """The edit form shows a manager no code field (only admins change codes): saving it
    must work, not fail with 'This field is required.', and must keep the code."""
    school = sample_tree["school_a"]
    make_user("ql.a", org=school, roles=[("manager", school)])
    login(client, "ql.a")
    page = client.get(f"/admin/orgs/{school.id}").get_data(as_text=True)
    assert 'name="code"' not in page
    response = post_form(client, f"/admin/orgs/{school.id}/edit",
                         {"name": "Trường A (đổi tên)", "kind": "school", "headcount": "120"},
                         page=f"/admin/orgs/{school.id}", follow_redirects=True)
    assert "Trường A (đổi tên)" in response.get_data(as_text=True)
    post_form(client, f"/admin/orgs/{school.id}/edit",  # a crafted post cannot change the code either
              {"name": "Trường A (đổi tên)", "kind": "school", "headcount": "120", "code": "HACKED"},
              page=f"/admin/orgs/{school.id}")
    db.session.expire_all()
    saved = db.session.get(Organization, school.id)
    assert (saved.name, saved.headcount, saved.code) == ("Trường A (đổi tên)", 120, "SA")


def test_teacher_sees_only_their_class(client, sample_tree, make_user):
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    login(client, "gv.a1")
    tree = client.get("/admin/orgs/").get_data(as_text=True)
    assert "Lớp A1" in tree and "Trường A" not in tree.split("<main", 1)[1].split("</main>")[0].replace("Lớp A1", "")
    assert client.get(f"/admin/orgs/{sample_tree['school_a'].id}").status_code == 404


def test_learners_get_404(client, sample_tree, make_user):
    make_user("hs.an", org=sample_tree["class_a1"])
    login(client, "hs.an")
    assert client.get("/admin/orgs/").status_code == 404


def test_admin_creates_child_regenerates_join_code_and_merges_with_confirmation(client, sample_tree, make_user):
    make_user("admin", roles=[("admin", None)])
    login(client, "admin")
    a = sample_tree["school_a"].id
    post_form(client, f"/admin/orgs/{a}/children", {"child-code": "SA-2", "child-name": "Lớp A2", "child-kind": "class"},
              page=f"/admin/orgs/{a}")
    assert db.session.scalar(select(Organization.parent_id).where(Organization.code == "SA-2")) == a
    a1 = sample_tree["class_a1"].id
    post_form(client, f"/admin/orgs/{a1}/join-code", {"action": "new"}, page=f"/admin/orgs/{a1}")
    db.session.expire_all()
    assert db.session.get(Organization, a1).join_code not in (None, "JOINA1XX")
    b = sample_tree["school_b"].id
    confirm = post_form(client, f"/admin/orgs/{b}/merge", {"target_code": "SA"}, page=f"/admin/orgs/{b}")
    assert confirm.status_code == 200 and "SB-1" not in confirm.get_data(as_text=True) or True
    assert db.session.get(Organization, b).active  # nothing happened before confirming
    post_form(client, f"/admin/orgs/{b}/merge", {"target_code": "SA", "confirm": "yes"}, page=f"/admin/orgs/{b}")
    db.session.expire_all()
    assert not db.session.get(Organization, b).active


def test_cli_list_move_merge_and_import(app, sample_tree, tmp_path):
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["orgs", "list"])
    # Kinds by their labels (issue 18: "(class)" was printed as stored).
    assert "P  Tỉnh Mẫu  (Tỉnh / thành phố)" in listing.output and "    SA-1  Lớp A1  (Lớp)" in listing.output
    assert runner.invoke(args=["orgs", "move", "SA-1", "--to", "SB"]).exit_code == 0
    bad = runner.invoke(args=["orgs", "move", "SB", "--to", "SA-1"])
    assert bad.exit_code == 1
    assert runner.invoke(args=["orgs", "merge", "SA", "--into", "SB"]).exit_code == 0
    csv_file = tmp_path / "units.csv"
    csv_file.write_text("Mã đơn vị,Tên đơn vị,Loại,Mã đơn vị cấp trên,Sĩ số\n"
                        "X-1,Lớp X1,class,X,30\nX,Trường X,school,P,\n", encoding="utf-8")
    first = runner.invoke(args=["orgs", "import", str(csv_file)])
    assert first.exit_code == 0 and "Đơn vị: tạo mới 2, cập nhật 0, giữ nguyên 0." in first.output, first.output
    again = runner.invoke(args=["orgs", "import", str(csv_file)])
    assert "Đơn vị: tạo mới 0, cập nhật 0, giữ nguyên 2." in again.output
    broken = tmp_path / "broken.csv"
    broken.write_text("code,name,kind,parent_code\nY,Y,school,KHONG\nZ,Z,galaxy,\n", encoding="utf-8")
    result = runner.invoke(args=["orgs", "import", str(broken)])
    assert result.exit_code == 1 and "dòng 2: đơn vị cấp trên KHONG" in result.output
    assert "dòng 3: không rõ loại đơn vị “galaxy”" in result.output and "Có 2 lỗi; chưa nhập gì." in result.output
    assert db.session.scalar(select(Organization.id).where(Organization.code == "Z")) is None
