"""API tokens: shown once, stored hashed, scoped like their owner, managed on admin pages."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.access.adapters import can_manage_token, can_use_tokens, may_create_token_for
from lms.audit.models import AuditEvent
from lms.auth.models import RoleAssignment
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.reports import tokens
from lms.reports.models import ApiToken
from tests.conftest import csrf_token, login, post_form


@pytest.fixture
def people(sample_tree, make_user):
    t = sample_tree
    return {
        "admin": make_user("admin1", roles=[("admin", None)]),
        "manager_a": make_user("manager.a", org=t["school_a"], roles=[("manager", t["school_a"])]),
        "manager_p": make_user("manager.p", org=t["province"], roles=[("manager", t["province"])]),
        "teacher_a": make_user("teacher.a", org=t["class_a1"], roles=[("teacher", t["class_a1"])]),
        **t,
    }


def test_secret_is_returned_once_and_only_its_hash_is_stored(app, people):
    token, secret = tokens.create_token(people["manager_a"], people["school_a"], "Dashboard")
    db.session.commit()
    stored = db.session.get(ApiToken, token.id)
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.prefix == secret[:8]
    assert len(secret) >= 40
    columns = {c.name: getattr(stored, c.key) for c in ApiToken.__table__.columns}
    assert secret not in {str(v) for v in columns.values()}
    assert tokens.authenticate(secret).id == token.id
    assert tokens.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert tokens.authenticate("") is None and tokens.authenticate(None) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.create"))
    assert event.actor_id == people["manager_a"].id and event.detail["token"] == stored.prefix
    assert secret not in str(event.detail)


def test_revoked_and_expired_tokens_do_not_authenticate(app, people):
    token, secret = tokens.create_token(people["admin"], people["school_a"], "A")
    old, old_secret = tokens.create_token(people["admin"], people["school_a"], "B",
                                          expires=utcnow() + timedelta(minutes=5))
    db.session.commit()
    tokens.revoke_token(people["admin"], token)
    old.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert tokens.authenticate(secret) is None
    assert tokens.authenticate(old_secret) is None
    assert db.session.get(ApiToken, token.id).revoked_by_id == people["admin"].id


def test_token_dies_with_its_owners_role_or_account(app, people):
    manager = people["manager_a"]
    token, secret = tokens.create_token(manager, people["school_a"], "A")
    db.session.commit()
    assert tokens.authenticate(secret) is not None
    manager.active = False
    db.session.commit()
    assert tokens.authenticate(secret) is None
    manager.active = True
    db.session.execute(RoleAssignment.__table__.delete().where(RoleAssignment.user_id == manager.id))
    db.session.commit()
    db.session.expire_all()
    assert tokens.authenticate(secret) is None


def test_token_narrows_to_what_the_owner_still_manages(app, people, make_user):
    owner = make_user("mover", roles=[("manager", people["province"])])
    token, secret = tokens.create_token(owner, people["province"], "Province")
    db.session.commit()
    # Demoted from the province to school B only: the token now reads school B only.
    role = db.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == owner.id))
    role.org = people["school_b"]
    db.session.commit()
    db.session.expire_all()
    live = tokens.authenticate(secret)
    assert [o.code for o in tokens.token_scope(live)] == ["SB"]
    assert tokens.token_can_read(live, people["class_b1"])
    assert not tokens.token_can_read(live, people["school_a"])
    assert not tokens.token_can_read(live, people["province"])


def test_manager_cannot_create_token_outside_subtree(app, people):
    with pytest.raises(ServiceError):
        tokens.create_token(people["manager_a"], people["school_b"], "B")
    with pytest.raises(ServiceError):
        tokens.create_token(people["manager_a"], people["province"], "P")
    with pytest.raises(ServiceError):
        tokens.create_token(people["manager_a"], None, "Global")
    with pytest.raises(ServiceError):  # teachers read pages; tokens are for managers
        tokens.create_token(people["teacher_a"], people["class_a1"], "Class")
    token, _ = tokens.create_token(people["manager_a"], people["class_a1"], "Class A1")
    assert token.org_id == people["class_a1"].id
    global_token, secret = tokens.create_token(people["admin"], None, "Everything")
    db.session.commit()
    assert tokens.is_global(tokens.authenticate(secret))


def test_global_token_stops_when_owner_is_no_longer_admin(app, people):
    admin = people["admin"]
    _, secret = tokens.create_token(admin, None, "Everything")
    db.session.commit()
    db.session.execute(RoleAssignment.__table__.delete().where(RoleAssignment.user_id == admin.id))
    db.session.commit()
    db.session.expire_all()
    assert tokens.authenticate(secret) is None


# --- pages ------------------------------------------------------------------------------


def _secret_from(html: str) -> str:
    marker = 'id="token-secret">'
    start = html.index(marker) + len(marker)
    return html[start:html.index("<", start)]


def test_admin_creates_sees_once_and_revokes_on_pages(client, people):
    login(client, "admin1")
    response = post_form(client, "/admin/api-tokens/", {"name": "Provincial dashboard", "org_code": "P"},
                         page="/admin/api-tokens/")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") == "no-store"
    html = response.get_data(as_text=True)
    secret = _secret_from(html)
    token = db.session.scalar(select(ApiToken))
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    listing = client.get("/admin/api-tokens/").get_data(as_text=True)
    assert token.prefix in listing and secret not in listing
    response = client.post(f"/admin/api-tokens/{token.id}/revoke",
                           data={"csrf_token": csrf_token(client, "/admin/api-tokens/")})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert tokens.authenticate(secret) is None


def test_manager_page_refuses_other_school_and_hides_its_tokens(client, people, make_user):
    manager_b = make_user("manager.b", org=people["school_b"], roles=[("manager", people["school_b"])])
    other, _ = tokens.create_token(manager_b, people["school_b"], "School B")
    db.session.commit()
    login(client, "manager.a")
    listing = client.get("/admin/api-tokens/")
    assert listing.status_code == 200 and "School B" not in listing.get_data(as_text=True)
    for code in ("SB", "P", "NOPE", ""):
        response = post_form(client, "/admin/api-tokens/", {"name": "Mine", "org_code": code},
                             page="/admin/api-tokens/")
        assert response.status_code == 400, code
    assert db.session.scalar(select(ApiToken).where(ApiToken.owner_id == people["manager_a"].id)) is None
    # Nor may they revoke school B's token: it does not exist for them.
    response = client.post(f"/admin/api-tokens/{other.id}/revoke",
                           data={"csrf_token": csrf_token(client, "/admin/api-tokens/")})
    assert response.status_code == 404
    response = post_form(client, "/admin/api-tokens/", {"name": "Mine", "org_code": "SA-1"},
                         page="/admin/api-tokens/")
    assert response.status_code == 200 and "token-secret" in response.get_data(as_text=True)


def test_people_without_manager_role_get_404(client, people):
    login(client, "teacher.a")
    assert client.get("/admin/api-tokens/").status_code == 404


def test_revoke_requires_csrf(client, people):
    token, _ = tokens.create_token(people["admin"], people["school_a"], "A")
    db.session.commit()
    login(client, "admin1")
    assert client.post(f"/admin/api-tokens/{token.id}/revoke").status_code == 400
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_token_of_a_merged_unit_stops_and_does_not_follow_the_merge(app, people):
    from lms.orgs.services import merge_org

    _, secret = tokens.create_token(people["admin"], people["school_a"], "A")
    db.session.commit()
    merge_org(people["school_a"], people["school_b"])
    db.session.commit()
    assert tokens.authenticate(secret) is None


# --- review fixes -----------------------------------------------------------------------


def test_one_status_for_the_list_and_for_authentication(client, people):
    from lms.orgs.services import merge_org

    token, secret = tokens.create_token(people["admin"], people["school_a"], "Merged school")
    db.session.commit()
    assert tokens.token_status(token) == tokens.ACTIVE
    merge_org(people["school_a"], people["school_b"])
    db.session.commit()
    assert tokens.token_status(token) == tokens.UNIT_INACTIVE
    assert tokens.authenticate(secret) is None
    login(client, "admin1")
    html = client.get("/admin/api-tokens/").get_data(as_text=True)
    row = html[html.index("Merged school"):html.index("</tr>", html.index("Merged school"))]
    assert "đang hoạt động" not in row  # "active", as it used to say
    assert "sáp nhập" in row  # "stopped: its unit was merged or closed"


def test_statuses(app, people, make_user):
    manager = people["manager_a"]
    live, _ = tokens.create_token(manager, people["class_a1"], "live")
    expired, _ = tokens.create_token(manager, people["class_a1"], "old", expires=utcnow() + timedelta(hours=1))
    revoked, _ = tokens.create_token(manager, people["class_a1"], "revoked")
    tokens.revoke_token(manager, revoked)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert [tokens.token_status(t) for t in (live, expired, revoked)] == [
        tokens.ACTIVE, tokens.EXPIRED, tokens.REVOKED]
    manager.active = False
    db.session.commit()
    assert tokens.token_status(live) == tokens.SUSPENDED


def test_no_token_for_an_inactive_unit(client, people, make_org):
    from lms.orgs.services import merge_org

    merge_org(people["class_a1"], make_org("SA-2", "Lớp A2", "class", parent=people["school_a"]))
    db.session.commit()
    for actor in (people["admin"], people["manager_a"]):
        with pytest.raises(ServiceError) as refused:
            tokens.create_token(actor, people["class_a1"], "Too late")
        assert refused.value.field == "org_code" and "SA-1" in str(refused.value)
    # On the page the manager, whose unit it was, is told why.
    login(client, "manager.a")
    response = post_form(client, "/admin/api-tokens/", {"name": "Too late", "org_code": "SA-1"},
                         page="/admin/api-tokens/")
    assert response.status_code == 400
    assert "SA-1" in response.get_data(as_text=True) and "token-secret" not in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


def test_expiry_shows_the_last_valid_day(client, people):
    from datetime import date

    from lms.core.timeutil import vn_today
    from lms.reports.token_views import expiry_for_last_day, last_valid_day

    day = vn_today() + timedelta(days=10)
    login(client, "admin1")
    post_form(client, "/admin/api-tokens/", {"name": "Dated", "org_code": "SA", "expires_on": day.isoformat()},
              page="/admin/api-tokens/")
    token = db.session.scalar(select(ApiToken))
    assert token.expires_at == expiry_for_last_day(day)
    assert last_valid_day(token.expires_at) == day
    html = client.get("/admin/api-tokens/").get_data(as_text=True)
    assert day.strftime("%d/%m/%Y") in html
    assert (day + timedelta(days=1)).strftime("%d/%m/%Y") not in html
    assert last_valid_day(expiry_for_last_day(date(2025, 12, 31))) == date(2025, 12, 31)


def test_token_list_loads_owners_roles_with_the_list(client, people, make_user):
    from sqlalchemy import event

    def queries_for_listing() -> int:
        count = []
        listener = lambda *args: count.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/admin/api-tokens/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(count)

    tokens.create_token(people["manager_a"], people["school_a"], "first")
    db.session.commit()
    login(client, "admin1")
    few = queries_for_listing()
    for n in range(5):
        owner = make_user(f"owner{n}", roles=[("manager", people["province"])])
        tokens.create_token(owner, people["province"], f"token {n}")
    db.session.commit()
    assert queries_for_listing() == few


def test_manager_and_admin_rules_come_from_the_access_policy(app, people):
    """can_manage_token is may_create_for on the token's unit; teachers and deactivated
    accounts have neither."""
    token, _ = tokens.create_token(people["manager_p"], people["school_a"], "A")
    db.session.commit()
    assert can_manage_token(people["manager_a"], token)  # a colleague of the school
    assert can_manage_token(people["admin"], token)
    assert not can_manage_token(people["teacher_a"], token)
    assert not can_use_tokens(people["teacher_a"])
    assert can_use_tokens(people["manager_a"]) and can_use_tokens(people["admin"])
    people["admin"].active = False
    db.session.commit()
    assert not may_create_token_for(people["admin"], None)
    assert not can_use_tokens(people["admin"])
