"""Scope rules as pure functions: no database."""

from lms.access.rules import can_grant_role, path_in_scope, scope_paths

ADMIN = [("admin", None)]
MANAGER_A = [("manager", "/1/2/")]
TEACHER_A1 = [("teacher", "/1/2/3/")]


def test_scope_paths_drop_nested_roots():
    assert scope_paths([("manager", "/1/2/"), ("teacher", "/1/2/3/"), ("manager", "/1/20/")]) == ["/1/2/", "/1/20/"]
    assert scope_paths([("author", "/1/")]) == []


def test_path_in_scope_is_a_prefix_of_whole_segments():
    assert path_in_scope(MANAGER_A, "/1/2/3/")
    assert path_in_scope(MANAGER_A, "/1/2/")
    assert not path_in_scope(MANAGER_A, "/1/20/")  # "/1/2" is not a prefix of school 20
    assert not path_in_scope(MANAGER_A, "/1/")
    assert not path_in_scope(TEACHER_A1, "/1/2/4/")
    assert path_in_scope(ADMIN, "/9/")
    assert not path_in_scope([], "/1/")
    assert not path_in_scope(MANAGER_A, None)


def test_who_may_grant_what():
    assert can_grant_role(ADMIN, "admin", None)
    assert can_grant_role(MANAGER_A, "teacher", "/1/2/3/")
    assert can_grant_role(MANAGER_A, "manager", "/1/2/")
    assert not can_grant_role(MANAGER_A, "teacher", "/1/20/")
    assert not can_grant_role(MANAGER_A, "admin", None)
    assert not can_grant_role(MANAGER_A, "teacher", None)
    assert not can_grant_role(TEACHER_A1, "teacher", "/1/2/3/")
