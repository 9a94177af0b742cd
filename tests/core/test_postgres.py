"""PostgreSQL-specific guarantees, run against the real server whatever the main database is."""

import pytest
from sqlalchemy import select

from lms.extensions import db


@pytest.mark.postgres
def test_migrations_and_subtree_ranges_on_postgres(pg_app):
    from lms.orgs.models import Organization
    from lms.orgs.services import create_org, move_org, subtree_query

    root = create_org("P", "Tỉnh Mẫu", "province")
    a = create_org("A", "Trường A", "school", parent=root)
    create_org("A-1", "Lớp A1", "class", parent=a)
    b = create_org("B", "Trường B", "school", parent=root)
    for i in range(12):  # ids 10+ sort between "/1/" and "/2/" under a locale collation
        create_org(f"X{i}", f"Đơn vị {i}", "agency", parent=root)
    db.session.commit()
    assert {o.code for o in db.session.scalars(subtree_query(a))} == {"A", "A-1"}
    move_org(a, b)
    db.session.commit()
    assert {o.code for o in db.session.scalars(subtree_query(b))} == {"B", "A", "A-1"}
    moved = db.session.scalar(select(Organization).where(Organization.code == "A-1"))
    assert moved.path == f"{b.path}{a.id}/{moved.id}/" and moved.depth == 3
    collation = db.session.execute(db.text(
        "SELECT collation_name FROM information_schema.columns WHERE table_name='organization' AND column_name='path'"
    )).scalar()
    assert collation == "C"


@pytest.mark.postgres
def test_vietnamese_names_round_trip_in_nfc(pg_app):
    from lms.auth.models import User
    from lms.auth.services import NewUser, create_user

    create_user(NewUser(username="hoa", full_name="Nguye\u0302\u0303n Thi\u0323 Hoa\u0300", password="mat-khau-dai"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(User.full_name)) == "Nguyễn Thị Hoà"
