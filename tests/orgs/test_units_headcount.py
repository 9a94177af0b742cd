"""Headcounts (issue 17, fault 6): unit managers edit their unit's headcount and short name;
every change of headcount, from the web, the command line or a merge, is kept with its moment
and author and audited with its old and new value; WTForms' own messages are Vietnamese."""

import html
import re
from datetime import datetime, timedelta
from pathlib import Path

import wtforms
from babel.messages.pofile import read_po
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import HeadcountChange, Organization
from lms.orgs.services import headcount_as_of, merge_org, set_headcount
from tests.conftest import login, post_form
from tests.core.test_i18n import VI_PO

T0 = datetime(2026, 9, 1)


def flashes(response) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'class="flash flash-\w+">([^<]*)<', response.get_data(as_text=True))]


def changes_of(org) -> list[tuple[int | None, int | None]]:
    return [(c.headcount, c.actor_id) for c in db.session.scalars(
        select(HeadcountChange).where(HeadcountChange.org_id == org.id).order_by(HeadcountChange.id))]


def audited(org) -> list[dict]:
    return [e.detail for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "org.headcount", AuditEvent.target_id == org.id).order_by(AuditEvent.id))]


# --- the rule ------------------------------------------------------------------------------------


def test_the_headcount_in_force_at_a_moment():
    history = [(T0 + timedelta(days=30), 120), (T0, 100), (T0 + timedelta(days=60), 90)]  # any order
    assert headcount_as_of(history, T0 + timedelta(days=45)) == (T0 + timedelta(days=30), 120)
    assert headcount_as_of(history, T0 + timedelta(days=30)) == (T0 + timedelta(days=30), 120)  # from that moment
    assert headcount_as_of(history, T0 + timedelta(days=90)) == (T0 + timedelta(days=60), 90)
    # Nothing in force yet (the unit was created, or first counted, later): its first headcount,
    # so that no later change moves it either.
    assert headcount_as_of(history, T0 - timedelta(days=1)) == (T0, 100)
    assert headcount_as_of([], T0) is None
    same_moment = [(T0, 100), (T0, 101)]  # two changes in one second: the later recorded holds
    assert headcount_as_of(same_moment, T0) == (T0, 101)
    assert headcount_as_of([(T0, 100), (T0 + timedelta(days=1), None)], T0 + timedelta(days=2)) == (
        T0 + timedelta(days=1), None)  # a headcount removed is no headcount


# --- the web form --------------------------------------------------------------------------------


def test_a_unit_manager_edits_his_unit_s_headcount_and_short_name(client, sample_tree, make_user):
    school = sample_tree["school_a"]
    manager = make_user("ql.a", org=school, roles=[("manager", school)])
    login(client, "ql.a")
    before = utcnow()
    response = post_form(client, f"/admin/orgs/{school.id}/edit",
                         {"name": "Trường A", "short_name": " THPT  A ", "kind": "school", "headcount": "120"},
                         page=f"/admin/orgs/{school.id}", follow_redirects=True)
    assert flashes(response) == ["Đã lưu."]
    db.session.expire_all()
    saved = db.session.get(Organization, school.id)
    assert (saved.headcount, saved.short_name) == (120, "THPT A")
    assert changes_of(saved) == [(100, None), (120, manager.id)]  # created by the fixture, then by him
    latest = db.session.scalars(select(HeadcountChange).where(HeadcountChange.org_id == school.id)
                                .order_by(HeadcountChange.id.desc())).first()
    assert before - timedelta(seconds=1) <= latest.effective_at <= utcnow()  # naive UTC
    assert audited(saved)[-1]["headcount"] == [100, 120]
    page = client.get(f"/admin/orgs/{school.id}").get_data(as_text=True)
    assert "Lịch sử biên chế/sĩ số" in page and "ql.a" in page and "THPT A" in page
    # Saving the same headcount again changes nothing and records nothing.
    post_form(client, f"/admin/orgs/{school.id}/edit", {"name": "Trường A", "short_name": "THPT A", "kind": "school",
                                                        "headcount": "120"}, page=f"/admin/orgs/{school.id}")
    assert len(changes_of(saved)) == 2 and len(audited(saved)) == 2


def test_the_unit_form_s_errors_are_vietnamese_and_name_their_field(client, sample_tree, make_user):
    """The issue saw "This field is required." in English and nothing saved: the message
    must be Vietnamese, say which field, and leave the unit as it was."""
    school = sample_tree["school_a"]
    make_user("ql.a", org=school, roles=[("manager", school)])
    login(client, "ql.a")
    response = post_form(client, f"/admin/orgs/{school.id}/edit",
                         {"name": "", "short_name": "x" * 65, "kind": "school", "headcount": "một trăm"},
                         page=f"/admin/orgs/{school.id}", follow_redirects=True)
    (message,) = flashes(response)
    assert "Tên đơn vị: Ô này là bắt buộc." in message
    assert "Biên chế / sĩ số (không bắt buộc): Không phải số nguyên hợp lệ." in message
    assert "Tên viết tắt (không bắt buộc): Ô này dài tối đa 64 ký tự." in message
    assert "required" not in message and "valid" not in message
    db.session.expire_all()
    assert db.session.get(Organization, school.id).headcount == 100


def test_every_wtforms_message_has_a_vietnamese_translation():
    """WTForms ships no Vietnamese: each of its messages must be in the site's catalogue
    (lms.core.i18n sends them there), or a Vietnamese page shows it in English."""
    with (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").open("rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with VI_PO.open("rb") as fh:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id and m.string and not m.fuzzy}
    assert sorted(wanted - have) == []


# --- the command line and merges ---------------------------------------------------------------


def test_the_command_line_and_merges_keep_the_history_too(app, sample_tree, tmp_path, make_user):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["orgs", "create", "SC", "Trường C", "--kind", "school", "--parent", "P",
                                 "--headcount", "40", "--short-name", "THPT C"])
    assert result.exit_code == 0, result.output
    school_c = db.session.scalar(select(Organization).where(Organization.code == "SC"))
    assert (school_c.short_name, changes_of(school_c)) == ("THPT C", [(40, None)])
    assert audited(school_c) == [{"headcount": [None, 40]}]

    csv_file = tmp_path / "units.csv"
    csv_file.write_text("code,name,kind,parent_code,headcount\nSC,Trường C,school,P,45\n", encoding="utf-8")
    assert runner.invoke(args=["orgs", "import", str(csv_file)]).exit_code == 0
    no_column = tmp_path / "names.csv"  # a file without headcounts leaves them alone
    no_column.write_text("code,name,kind,parent_code,ten viet tat\nSC,Trường C,school,P,C\n", encoding="utf-8")
    assert runner.invoke(args=["orgs", "import", str(no_column)]).exit_code == 0
    db.session.expire_all()
    school_c = db.session.get(Organization, school_c.id)
    assert (school_c.headcount, school_c.short_name) == (45, "C")
    assert changes_of(school_c) == [(40, None), (45, None)]
    assert audited(school_c)[-1] == {"headcount": [40, 45]}

    admin = make_user("admin", roles=[("admin", None)])
    target = merge_org(sample_tree["school_b"], school_c, actor=admin)
    assert target.headcount == 45 + 80
    assert changes_of(target)[-1] == (125, admin.id)
    assert audited(target)[-1] == {"headcount": [45, 125], "merged": "SB"}


def test_set_headcount_records_the_moment_given(app, sample_tree):
    school = sample_tree["school_a"]
    moment = datetime(2026, 11, 5, 3, 0)
    assert set_headcount(school, 150, now=moment) is True
    assert set_headcount(school, 150, now=moment) is False
    db.session.commit()
    assert db.session.scalars(select(HeadcountChange.effective_at).where(HeadcountChange.org_id == school.id)
                              .order_by(HeadcountChange.id)).all()[-1] == moment
