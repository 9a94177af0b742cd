"""Contest setup and registration: eligibility, required fields, duplicates flagged, rounds' times."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.contests import organise, services
from lms.contests.models import Registration
from lms.core.errors import ServiceError
from lms.extensions import db


@pytest.fixture
def contest(app, sample_tree, make_user):
    organiser = make_user("btc", roles=[("admin", None)])
    contest = services.create_contest(organiser, "tuyen-truyen-vien-gioi-2026", "Hội thi tuyên truyền viên giỏi 2026",
                                      "## Thể lệ\n\nMỗi thí sinh làm bài **một lần**.", scope=sample_tree["province"],
                                      registration_fields={"date_of_birth": True, "phone": True, "school": False})
    contest.status = "open"
    db.session.commit()
    return contest


def test_rules_are_rendered_safely_and_times_checked(contest, make_user):
    assert "<strong>một lần</strong>" in contest.rules_html
    with pytest.raises(ServiceError):
        organise.add_round(None, contest, organise.RoundSettings(
            title="Vòng 1", kind="judged", opens_at=datetime(2026, 12, 1, 2), closes_at=datetime(2026, 12, 1, 1)))
    # 23:59 Vietnam time on 1/12 is 16:59 UTC the same day.
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="judged", opens_at=datetime(2026, 12, 1, 1), closes_at=datetime(2026, 12, 1, 16, 59)))
    assert round_.position == 1 and round_.closes_at.hour == 16
    second = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 2", kind="judged", opens_at=datetime(2026, 12, 2, 1), closes_at=datetime(2026, 12, 2, 16, 59)))
    assert second.position == 2
    logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contest.round.add")).all()
    assert [e.detail["round"] for e in logged] == [1, 2]
    assert logged[0].detail["settings"]["closes_at"] == "2026-12-01T16:59:00Z"


def test_registration_requires_configured_fields_and_eligibility(contest, make_user, sample_tree, make_org):
    learner = make_user("hs.a", org=sample_tree["class_a1"])
    with pytest.raises(ServiceError):
        services.register(learner, contest, services.RegistrationForm(full_name="Nguyễn Văn A"))
    reg = services.register(learner, contest, services.RegistrationForm(
        full_name="Nguyễn  Văn A", date_of_birth=date(2009, 1, 2), phone="0912 345 678"))
    assert reg.full_name == "Nguyễn Văn A" and reg.phone == "0912345678" and reg.duplicate_of_id is None
    again = services.register(learner, contest, services.RegistrationForm(
        full_name="Nguyễn Văn A", date_of_birth=date(2009, 1, 2), phone="0912345678"))
    assert again.id == reg.id
    outsider = make_user("ngoai", org=make_org("KHAC", "Tỉnh khác", "province"))
    with pytest.raises(ServiceError):
        services.register(outsider, contest, services.RegistrationForm(
            full_name="Lê B", date_of_birth=date(2009, 1, 2), phone="0912000000"))


def test_same_person_with_a_second_account_is_flagged(contest, make_user, sample_tree):
    first = make_user("hs.a", org=sample_tree["class_a1"])
    second = make_user("hs.a2", org=sample_tree["class_b1"])
    form = services.RegistrationForm(full_name="Trần Thị Hoa", date_of_birth=date(2008, 3, 4), phone="0987654321")
    original = services.register(first, contest, form)
    copy = services.register(second, contest, services.RegistrationForm(
        full_name="tran thi hoa", date_of_birth=date(2008, 3, 4), phone="0987 654 321"))
    db.session.commit()
    assert copy.duplicate_of_id == original.id
    assert [r.id for r in services.flagged_duplicates(contest)] == [copy.id]
    assert db.session.scalar(select(Registration.id).where(Registration.duplicate_of_id.is_(None))) == original.id
