"""A number in the address larger than any id column holds (2**31 on PostgreSQL, 2**63 on
SQLite) made the id lookup fail with a 500 before the access check ran, for any signed-in
user (found by a tester on /admin/orgs/<n>). Every <int:...> in a route is an id, so every
such route answers 404, as for an id that does not exist; on SQLite and PostgreSQL."""

import pytest

from lms.extensions import db
from tests.conftest import login

HUGE = ("2147483648", "9223372036854775808", "99999999999999999999999")


@pytest.fixture
def signed_in(any_db_app, make_user, make_org):
    org = make_org("SA", "Trường A", "school")
    make_user("quantri", roles=[("admin", None)])
    make_user("hs.a", org=org)
    db.session.commit()
    return any_db_app


@pytest.mark.parametrize("who", ["quantri", "hs.a"])
def test_every_get_route_with_an_id_answers_404_to_an_id_beyond_the_column(signed_in, who):
    client = signed_in.test_client()
    login(client, who)
    routes = [r for r in signed_in.url_map.iter_rules()
              if "GET" in r.methods and any(type(c).__name__ == "DbIdConverter" for c in r._converters.values())]
    assert len(routes) > 10
    for rule in routes:
        for number in HUGE:
            url = rule.rule
            for name, converter in rule._converters.items():
                url = _fill(url, name, number if type(converter).__name__ == "DbIdConverter" else "x")
            response = client.get(url)
            assert response.status_code == 404, (who, url, response.status_code)


def _fill(url: str, name: str, value: str) -> str:
    import re

    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?" + name + ">", value, url)


def test_ordinary_ids_still_route(signed_in):
    from sqlalchemy import select

    from lms.auth.models import User

    client = signed_in.test_client()
    login(client, "quantri")
    pupil = db.session.scalar(select(User.id).where(User.username == "hs.a"))
    assert client.get(f"/admin/users/{pupil}").status_code == 200
    assert client.get("/admin/orgs/2147483647").status_code == 404  # the largest id: looked up, not found
