"""The migrations are the schema: models and migration history must never drift apart."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms.extensions import db


def test_migrated_schema_matches_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models changed without a migration (run `lms db migrate`): {diff}"


def test_init_command_is_idempotent(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init"])
        assert result.exit_code == 0, result.output
        assert "Cơ sở dữ liệu đã ở phiên bản cấu trúc mới nhất." in result.output


def test_demo_command_is_idempotent(app):
    from sqlalchemy import func, select

    from lms.auth.models import User
    from lms.orgs.models import Organization

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Organization.id))))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "Đơn vị mẫu: tạo mới 0" in second.output and "Tài khoản mẫu: tạo mới 0" in second.output
    assert counts == (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Organization.id))))
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    assert admin.is_admin
