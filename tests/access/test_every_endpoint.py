"""Every route declares a named access policy, and docs/permissions.md is the one
generated from the table."""

from pathlib import Path

from lms.access import policy
from lms.access.docs import endpoint_policies, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_every_endpoint_declares_an_access_policy(app):
    declared = endpoint_policies(app)
    missing = sorted(endpoint for endpoint, name in declared.items() if name is None)
    assert not missing, f"endpoints without @requires(...) (lms/access/web.py): {', '.join(missing)}"
    unknown = sorted(f"{e}={name}" for e, name in declared.items() if name not in policy.POLICIES)
    assert not unknown, f"endpoints naming no policy of lms/access/policy.py: {', '.join(unknown)}"


def test_every_policy_in_the_table_guards_some_page(app):
    unused = set(policy.POLICIES) - set(endpoint_policies(app).values())
    assert not unused, f"policies no endpoint declares: {', '.join(sorted(unused))}"


def test_nav_entries_name_existing_policies():
    from lms.core.nav import NAV_ENTRIES

    for endpoint, _label, name in NAV_ENTRIES:
        assert name in policy.POLICIES, endpoint


def test_the_cli_writes_the_document(app, tmp_path):
    out = tmp_path / "permissions.md"
    result = app.test_cli_runner().invoke(args=["access", "docs", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == render(app)


def test_the_permissions_document_is_current(app):
    expected = render(app)
    actual = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert actual == expected, "docs/permissions.md is stale: regenerate it with `lms access docs`"


def test_policy_names_are_checked_at_import_time():
    import pytest

    from lms.access.web import requires

    with pytest.raises(KeyError, match="no access policy"):
        requires("reports.veiw_unit")
