"""The organiser's XLSX report: 5,000 participants, one row each per round, ranking fields."""

from datetime import date, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import insert

from lms.contests import organise, rounds, services
from lms.contests.models import Registration, RoundEntry
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from tests.conftest import login

OPENS = datetime(2026, 12, 1, 1)


def build(n, with_results=True):
    contest = services.create_contest(None, "bao-cao", "Hội thi báo cáo")
    quiz_services.load_bank("bao-cao", parse_markdown_bank("---\ntitle: Báo cáo\n---\n## Câu 1\n- [x] A\n- [ ] B\n"))
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=OPENS, closes_at=OPENS + timedelta(hours=2), bank_slug="bao-cao"))
    round_.tiebreaker_answer = 10
    contest.status = "published"
    db.session.execute(insert(Registration), [
        {"contest_id": contest.id, "full_name": f"Nguyễn Thị Hoà {i}", "date_of_birth": date(2009, 1, 1 + i % 28),
         "phone": f"09{i:08d}", "identity_key": str(i)} for i in range(n)])
    if with_results and n > 10:
        db.session.execute(insert(RoundEntry), [
            {"round_id": round_.id, "registration_id": i + 1, "prediction": i % 20,
             **rounds.result_values(float(i % 11) * 10, 100.0 + i, OPENS + timedelta(seconds=i))}
            for i in range(n - 10)])
    rounds._bump(round_.id)
    db.session.commit()
    return contest


def test_five_thousand_participants_export_completely(app, tmp_path):
    contest = build(5000)
    out = tmp_path / "report.xlsx"
    result = app.test_cli_runner().invoke(args=["contests", "export", contest.slug, "-o", str(out)])
    assert result.exit_code == 0 and "Đã ghi 5000 dòng vào" in result.output
    sheet = load_workbook(out, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5001 and rows[0][0] == "Vòng thi" and rows[0][4] == "Họ và tên"
    first = rows[1]
    assert first[1] == 1 and first[11] == 100.0 and first[13] == abs(first[12] - 10)
    assert isinstance(first[5], datetime) and first[4].startswith("Nguyễn Thị Hoà")
    assert sum(1 for r in rows[1:] if r[1] is None) == 10  # registered without a result: still listed


def test_only_organisers_download(client, make_user, sample_tree):
    contest = build(5)
    make_user("hs.an", org=sample_tree["class_a1"])
    login(client, "hs.an")
    assert client.get(f"/contests/{contest.slug}/export.xlsx").status_code == 404
    from lms.auth.models import RoleAssignment, User
    user = db.session.query(User).filter_by(username="hs.an").one()
    db.session.add(RoleAssignment(user=user, role="organizer", contest_id=contest.id))
    db.session.commit()
    response = client.get(f"/contests/{contest.slug}/export.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"


def test_formula_names_reach_the_organiser_as_text_and_no_file_stays(any_db_app, make_user, tmp_path_factory,
                                                                     monkeypatch):
    """Issue 14, faults 5 and 8: names typed at registration (the roster fixture's formula
    names) are text cells starting with "'", numbers and dates stay typed, and the download
    leaves nothing in the system temp folder or the instance's."""
    import io
    import tempfile
    from pathlib import Path

    from lms.auth.models import RoleAssignment
    from tests.reports.test_export_safety import hostile_names

    system_tmp = tmp_path_factory.mktemp("system-tmp")
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    contest = build(1)  # one ordinary participant without a result
    names = hostile_names()
    round_ = contest.rounds[0]
    for i, name in enumerate(names):
        reg = Registration(contest_id=contest.id, full_name=name, date_of_birth=date(2009, 3, 2 + i),
                           phone=f"091200011{i}", identity_key=f"h{i}", school="=1+1", class_name="-11A1")
        db.session.add(reg)
        db.session.flush()
        db.session.add(RoundEntry(round_id=round_.id, registration_id=reg.id, score=-5.0 if i == 0 else 50.0,
                                  seconds_taken=100.0 + i, prediction=-5, submitted_at=OPENS + timedelta(minutes=i)))
    organiser = make_user("btc")
    db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=contest.id))
    rounds._bump(round_.id)
    db.session.commit()
    client = any_db_app.test_client()
    login(client, "btc")
    response = client.get(f"/contests/{contest.slug}/export.xlsx")
    assert response.status_code == 200
    body = response.get_data()
    response.close()
    sheet = load_workbook(io.BytesIO(body)).active
    rows = [row for row in sheet.iter_rows(min_row=2) if not row[4].value.startswith("Nguyễn Thị Hoà")]
    assert sorted(row[4].value for row in rows) == sorted("'" + name for name in names)
    assert {row[4].data_type for row in rows} == {"s"}
    assert {(row[9].value, row[10].value) for row in rows} == {("'=1+1", "'-11A1")}
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert all(row[5].is_date and isinstance(row[5].value, datetime) for row in rows)
    assert {row[12].value for row in rows} == {-5} and {row[12].data_type for row in rows} == {"n"}
    assert -5.0 in {row[11].value for row in rows}  # a negative number stays a number
    assert list(system_tmp.iterdir()) == [] and list((Path(any_db_app.instance_path) / "tmp").iterdir()) == []


def test_prize_list_writes_typed_text_as_text(app):
    """Issue 14, fault 5: the prize list carries published names, units and the contest title,
    all typed by people; none becomes a formula, the score stays a number."""
    import io

    from lms.contests.awards import write_prize_list
    from lms.contests.models import Award
    from tests.reports.test_export_safety import hostile_names

    contest = services.create_contest(None, "giai", "=1+1 Hội thi")
    names = hostile_names()
    awards = [Award(kind="individual", prize="first", rank=i + 1, name=name, unit_name="@Trường A", score=-5.0,
                    code=f"C{i}") for i, name in enumerate(names)]
    out = io.BytesIO()
    assert write_prize_list(contest, awards, out) == len(names)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet["A1"].value.startswith("'=1+1 Hội thi") and sheet["A1"].data_type == "s"
    rows = list(sheet.iter_rows(min_row=3))
    assert [row[4].value for row in rows] == ["'" + name for name in names]
    assert {row[5].value for row in rows} == {"'@Trường A"} and {row[6].value for row in rows} == {-5.0}
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
