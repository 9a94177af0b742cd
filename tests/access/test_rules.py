"""The access rules as pure functions over grants, paths and contest state: no database."""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from lms.access import rules
from lms.access.rules import Grant

ADMIN = [("admin", None)]
MANAGER_A = [("manager", "/1/2/")]
TEACHER_A1 = [("teacher", "/1/2/3/")]

# Unit paths of a small tree, and grants over them.
segments = st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=4)
paths = segments.map(lambda s: "/" + "/".join(map(str, s)) + "/")
scoped = st.builds(Grant, st.sampled_from(rules.ORG_ROLES), paths)
global_ = st.builds(Grant, st.sampled_from(rules.GLOBAL_ROLES))
contest = st.builds(lambda role, cid: Grant(role, None, cid), st.sampled_from(rules.CONTEST_ROLES),
                    st.integers(min_value=1, max_value=3))
grants = st.lists(st.one_of(scoped, global_, contest), max_size=4)
non_admin = st.lists(st.one_of(scoped, contest, st.just(Grant("author"))), max_size=4)


def test_authoring_is_global_and_admin_granted():
    assert rules.grant_shape_problem("author", "/1/", None) == "global_only"
    assert rules.grant_shape_problem("author", None, None) is None
    assert not rules.can_grant_role(MANAGER_A, "author", "/1/2/")
    assert not rules.can_grant_role(MANAGER_A, "author", None)
    assert rules.can_grant_role(ADMIN, "author", None)
    assert not rules.can_author([("author", "/1/2/")])  # a stored unit grant reaches no bank
    assert rules.can_author([("author", None)]) and rules.can_author(ADMIN)


def test_nobody_changes_his_own_roles_but_the_operator_may():
    assert not rules.may_change_roles_of(7, 7)
    assert rules.may_change_roles_of(7, 8)
    assert rules.may_change_roles_of(None, 7)


def test_acting_on_an_account_needs_scope_over_every_role():
    home = "/1/2/3/"
    assert rules.can_act_on_account(MANAGER_A, home, [])
    assert rules.can_act_on_account(MANAGER_A, home, [("teacher", "/1/2/3/")])
    assert not rules.can_act_on_account(MANAGER_A, home, [("teacher", "/1/2/3/"), ("organizer", None, 5)])
    assert not rules.can_act_on_account(MANAGER_A, home, [("manager", "/1/9/")])
    assert not rules.can_act_on_account(MANAGER_A, home, [("author", None)])
    assert not rules.can_act_on_account(MANAGER_A, home, ADMIN)
    assert not rules.can_act_on_account(MANAGER_A, "/1/9/", [])
    assert rules.can_act_on_account(TEACHER_A1, home, [])
    assert not rules.can_act_on_account(TEACHER_A1, home, [("teacher", "/1/2/3/")])  # teachers grant nothing
    assert rules.can_act_on_account(ADMIN, None, ADMIN)


@given(actor=non_admin, target=grants, home=paths)
def test_whoever_acts_on_an_account_could_have_granted_each_of_its_roles(actor, target, home):
    if rules.can_act_on_account(actor, home, target):
        assert rules.path_in_scope(actor, home)
        for g in rules.as_grants(target):
            assert g.org_path is not None and g.contest_id is None and g.role in rules.ORG_ROLES
            assert rules.can_grant_role(actor, g.role, g.org_path)


@given(actor=non_admin, role=st.sampled_from(("admin", "author", "organizer", "judge")),
       path=st.one_of(st.none(), paths), contest_id=st.one_of(st.none(), st.integers(1, 3)))
def test_only_admins_grant_global_and_contest_roles(actor, role, path, contest_id):
    assert not rules.can_grant_role(actor, role, path, contest_id)


@given(actor=non_admin, role=st.sampled_from(rules.ORG_ROLES), path=paths)
def test_a_scoped_grant_stays_inside_the_granters_subtree(actor, role, path):
    if rules.can_grant_role(actor, role, path):
        assert any(g.role == "manager" and rules.is_within(path, g.org_path) for g in rules.as_grants(actor))


def test_path_in_scope_is_a_prefix_of_whole_segments():
    assert rules.path_in_scope(MANAGER_A, "/1/2/3/")
    assert not rules.path_in_scope(MANAGER_A, "/1/20/")
    assert not rules.path_in_scope(MANAGER_A, None)
    assert rules.path_in_scope(ADMIN, "/9/")


def test_scoped_admin_rows_grant_nothing():
    assert not rules.is_admin([("admin", "/1/")])
    assert not rules.is_admin([("admin", None, 3)])


def test_organising_is_per_contest():
    assert rules.can_organise([("organizer", None, 3)], 3)
    assert not rules.can_organise([("organizer", None, 3)], 4)
    assert rules.can_organise(ADMIN, 4)


NOW = datetime(2026, 12, 1, 12, 0)


@given(hide=st.booleans(), published=st.booleans(), offset=st.integers(-120, 120))
def test_round_results_hidden_only_while_a_hiding_round_is_open_and_unpublished(hide, published, offset):
    closes = NOW + timedelta(minutes=offset)
    visible = rules.round_results_visible(hide_until_close=hide, closes_at=closes, now=NOW, published=published)
    assert visible == (not hide or published or NOW >= closes)


def test_standings_wait_for_every_round_or_publication():
    past, future = NOW - timedelta(hours=1), NOW + timedelta(hours=1)
    assert rules.contest_standings_visible(published=False, closes_at=[past, past], now=NOW)
    assert not rules.contest_standings_visible(published=False, closes_at=[past, future], now=NOW)
    assert rules.contest_standings_visible(published=True, closes_at=[future], now=NOW)


def test_tokens_and_ranking_settings_are_managers_tools():
    assert rules.has_token_access(MANAGER_A) and not rules.has_token_access(TEACHER_A1)
    assert rules.may_create_token_for(MANAGER_A, "/1/2/5/") and not rules.may_create_token_for(MANAGER_A, None)
    assert rules.may_create_token_for(ADMIN, None)
    assert rules.token_can_read(None, "/7/") and rules.token_can_read(["/1/2/"], "/1/2/3/")
    assert not rules.token_can_read(["/1/2/"], "/1/20/") and not rules.token_can_read([], "/1/")
    assert rules.can_configure_ranking(MANAGER_A, "/1/2/") and not rules.can_configure_ranking(TEACHER_A1, "/1/2/3/")


def test_a_judged_entry_is_seen_by_its_author_its_judges_and_organisers():
    assert rules.can_see_entry(user_id=1, owner_id=1, assigned=False, organises=False)
    assert rules.can_see_entry(user_id=2, owner_id=1, assigned=True, organises=False)
    assert rules.can_see_entry(user_id=3, owner_id=1, assigned=False, organises=True)
    assert not rules.can_see_entry(user_id=4, owner_id=1, assigned=False, organises=False)
    assert not rules.can_see_entry(user_id=4, owner_id=None, assigned=False, organises=False)
