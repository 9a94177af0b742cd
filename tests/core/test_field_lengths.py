"""Issue 14, fault 11f: a form field longer than its column is a message on the field, never a
500. SQLite does not enforce String(n), so the HTTP tests run on PostgreSQL too (any_db_app);
a static walk checks every form field against the columns it may land in."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from sqlalchemy import select

import lms
from lms.extensions import db
from tests.conftest import csrf_token, login, post_form

LONG = "Trường Trung học phổ thông chuyên " * 8  # 272 characters


@pytest.fixture
def open_contest(any_db_app, sample_tree, make_user):
    from lms.contests import services

    contest = services.create_contest(None, "hoi-thi", "Hội thi", "Thể lệ.", scope=sample_tree["province"],
                                      registration_fields={"school": False, "class_name": False,
                                                           "unit_name": False, "phone": False})
    contest.status = "open"
    db.session.commit()
    make_user("hs.a", org=sample_tree["class_a1"])
    return contest


@pytest.mark.parametrize("field", ["full_name", "school", "unit_name", "class_name", "phone"])
def test_contest_registration_over_the_column_is_a_message(any_db_app, open_contest, field):
    from lms.contests.models import Registration

    client = any_db_app.test_client()
    login(client, "hs.a")
    data = {"csrf_token": csrf_token(client, "/contests/hoi-thi/"), "full_name": "Nguyễn Văn A", field: LONG}
    response = client.post("/contests/hoi-thi/", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    assert "tối đa" in html, html  # "at most N characters", in Vietnamese
    assert db.session.scalar(select(Registration.id)) is None
    ok = client.post("/contests/hoi-thi/", data={**data, field: "Lớp 11A1" if field != "phone" else "0912345678"},
                     follow_redirects=True)
    assert ok.status_code == 200 and db.session.scalar(select(Registration.id)) is not None


def test_contest_prediction_beyond_an_integer_column_is_a_message(any_db_app, open_contest):
    from datetime import timedelta

    from lms.contests import organise
    from lms.core.timeutil import utcnow

    organise.add_round(None, open_contest, organise.RoundSettings(
        title="Vòng 1", kind="judged", opens_at=utcnow() - timedelta(hours=1), closes_at=utcnow() + timedelta(days=1),
        tiebreaker_question="Bao nhiêu?"))
    db.session.commit()
    client = any_db_app.test_client()
    login(client, "hs.a")
    post_form(client, "/contests/hoi-thi/", {"full_name": "Nguyễn Văn A"}, page="/contests/hoi-thi/")
    response = post_form(client, "/contests/hoi-thi/rounds/1/start", {"prediction": "9" * 20},
                         page="/contests/hoi-thi/", follow_redirects=True)
    assert response.status_code == 200


def test_profile_and_registration_with_long_fields(any_db_app, sample_tree, make_user):
    make_user("hs.b", org=sample_tree["class_a1"])
    client = any_db_app.test_client()
    login(client, "hs.b")
    response = post_form(client, "/profile", {"full_name": LONG, "email": "a" * 250 + "@x.vn", "phone": ""})
    assert response.status_code in (200, 400), response.status_code
    assert "tối đa" in response.get_data(as_text=True) or "không phải" in response.get_data(as_text=True)


# --- the static walk: every form field against the columns ------------------------------------


def _forms():
    from flask_wtf import FlaskForm

    found = {}
    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        if "migrations" in module.name or not module.name.rsplit(".", 1)[-1].endswith(("forms", "views")):
            continue
        mod = importlib.import_module(module.name)
        for name, obj in inspect.getmembers(mod, inspect.isclass):
            if issubclass(obj, FlaskForm) and obj is not FlaskForm and obj.__module__ == mod.__name__:
                found[f"{mod.__name__}.{name}"] = obj
    return found


# Forms that write a row, and the table the row is in; fields map to same-named columns unless
# renamed below. Other forms only look something up (a code, a username): a long value there
# finds nothing, which PostgreSQL answers without error.
FORM_TABLES = {
    "lms.auth.admin_forms.NewPersonForm": "user_account", "lms.auth.admin_forms.PersonForm": "user_account",
    "lms.auth.forms.ProfileForm": "user_account", "lms.auth.forms.RegisterForm": "user_account",
    "lms.certificates.forms.ReissueForm": "certificate", "lms.certificates.forms.RevokeForm": "certificate",
    "lms.contests.judging_forms.SubmissionForm": "submission", "lms.contests.judging_forms.CriteriaForm":
    "judging_criterion", "lms.contests.organise_forms.ContestForm": "contest",
    "lms.contests.organise_forms.NewContestForm": "contest", "lms.contests.organise_forms.RoundForm": "contest_round",
    "lms.courses.forms.AssignForm": "assignment", "lms.orgs.forms.OrgForm": "organization",
    "lms.reports.token_forms.NewTokenForm": "api_token",
}
RENAMED = {("certificate", "reason"): "revoked_reason", ("submission", "article"): "article_md",
           ("user_account", "join_code"): None, ("user_account", "org_code"): None,
           ("contest", "scope_code"): None}


def _fields(form):
    from wtforms import FieldList, FormField

    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                yield from _fields(entry.form if isinstance(entry, FormField) else [entry])
        elif isinstance(field, FormField):
            yield from _fields(field.form)
        else:
            yield field


def test_every_text_field_has_a_length_limit_within_its_column(app):
    from wtforms import IntegerField, PasswordField, StringField, TextAreaField
    from wtforms.validators import Length, NumberRange

    problems = []
    for form_name, form_class in sorted(_forms().items()):
        table = db.metadata.tables.get(FORM_TABLES.get(form_name, ""))
        form = form_class(meta={"csrf": False})
        for field in _fields(form):
            name = field.short_name
            if isinstance(field, (StringField, TextAreaField)) and not isinstance(field, PasswordField):
                maxima = [v.max for v in field.validators if isinstance(v, Length) and v.max not in (None, -1)]
                if not maxima:
                    problems.append(f"{form_name}.{name}: no Length(max=...)")
                    continue
                if table is None:
                    continue
                column_name = RENAMED.get((table.name, name), name)
                column = table.columns.get(column_name) if column_name else None
                length = getattr(column.type, "length", None) if column is not None else None
                if length is not None and min(maxima) > length:
                    problems.append(f"{form_name}.{name}: Length(max={min(maxima)}) > {table.name}.{column_name} {length}")
            if isinstance(field, IntegerField):
                maxima = [v.max for v in field.validators if isinstance(v, NumberRange) and v.max is not None]
                if not maxima or min(maxima) > 2**31 - 1:
                    problems.append(f"{form_name}.{name}: no NumberRange(max<=2**31-1)")
    assert problems == [], "\n".join(problems)


def test_roster_rows_longer_than_the_columns_are_reported_not_a_500(any_db_app, sample_tree):
    from lms.auth.models import User
    from lms.roster.parsing import parse_roster
    from lms.roster.services import apply_plan, plan_import

    text = ("Họ và tên,Mã đơn vị,Email\n"
            f"{LONG},SA-1,\n"
            f"Nguyễn Văn B,SA-1,{'a' * 250}@example.vn\n"
            "Trần Thị C,SA-1,\n")
    plan = plan_import(parse_roster("r.csv", text.encode("utf-8")), None, None)
    assert {(i.row, i.column) for i in plan.issues} == {(2, "full_name"), (3, "email")}
    assert "255" in str(plan.issues[0])
    apply_plan(plan, only_valid=True)
    db.session.commit()
    assert db.session.scalar(select(User.full_name).where(User.full_name == "Trần Thị C"))


def test_admin_new_person_with_a_long_name_is_a_field_error(any_db_app, sample_tree, make_user):
    make_user("root", roles=[("admin", None)])
    client = any_db_app.test_client()
    login(client, "root")
    response = post_form(client, "/admin/users/new", {"full_name": LONG, "org_code": "SA-1", "kind": "student",
                                                      "username": "hs.dai"})
    assert response.status_code in (200, 400)
    assert "tối đa 255" in response.get_data(as_text=True)


def test_contest_registration_with_a_far_birth_date_is_a_message(any_db_app, open_contest):
    from lms.contests.models import Registration

    client = any_db_app.test_client()
    login(client, "hs.a")
    for birth in ("9999-12-31", "0001-01-01"):
        response = post_form(client, "/contests/hoi-thi/", {"full_name": "Nguyễn Văn A", "date_of_birth": birth},
                             page="/contests/hoi-thi/", follow_redirects=True)
        assert response.status_code == 200
        assert "Ngày sinh" in response.get_data(as_text=True)
        assert db.session.scalar(select(Registration.id)) is None
