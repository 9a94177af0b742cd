"""Issue 14, fault 4: small hostile files must not exhaust the server.

Every upload parser (roster, question banks, units; web and CLI) reads within the limits of
lms.core.uploads and answers a file over a limit with a message naming the limit and the
place, in Vietnamese, with nothing written. The files are built here; memory is guarded with
tracemalloc's peak (the report saw 4.5 GB) and time with a clock (the report saw 76 s)."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db
from lms.quizzes.models import Question, QuestionBank
from tests.conftest import csrf_token, login
from tests.core import hostile_files as hostile

ROSTER_HEADER = ["Họ và tên", "Mã đơn vị"]
QUIZ_HEADER = ["Câu hỏi", "A", "B", "Đáp án"]
PUBLIC_CASES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "public-cases"
MEMORY_GUARD = 200 * 1024 * 1024
TIME_GUARD = 10.0


@contextmanager
def bounded(memory=MEMORY_GUARD, seconds=TIME_GUARD):
    """Fails the test when the block allocates more than ``memory`` at its peak or takes
    longer than ``seconds``."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    took = time.perf_counter() - start
    assert peak < memory, f"peak {peak / 2**20:.0f} MB"
    assert took < seconds, f"took {took:.1f} s"


def refusal(data: bytes, limits=None, kind="xlsx"):
    from lms.core.uploads import (
        UploadLimits,
        UploadRefused,
        open_xlsx_bounded,
        read_csv_bounded,
        read_text_bounded,
    )

    with pytest.raises(UploadRefused) as caught:
        if kind == "csv":
            list(read_csv_bounded(data, limits or UploadLimits()))
        elif kind == "text":
            read_text_bounded(data, limits or UploadLimits())
        else:
            with open_xlsx_bounded(data, limits or UploadLimits()) as sheet:
                for _ in sheet.rows():
                    pass
    return caught.value


def _limits(**values):
    from lms.core.uploads import UploadLimits

    return UploadLimits(**values)


# --- the shared reader ---------------------------------------------------------------------


def test_openpyxl_parses_through_defusedxml():
    """openpyxl switches to defusedxml when it is installed (openpyxl/xml/__init__.py);
    this guards the dependency and the switch."""
    import openpyxl
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML is True
    assert functions.iterparse.__module__.startswith("defusedxml")


def test_a_400_kb_zip_bomb_is_refused_before_it_is_inflated(app):
    data = hostile.huge_shared_string(QUIZ_HEADER, ["x", "y", "A"], 400)
    assert len(data) < 500 * 1024
    with bounded(memory=20 * 2**20, seconds=2):
        error = refusal(data)
    assert "400 MB" in str(error) and "100 MB" in str(error)


def test_declared_sizes_are_checked_by_inflating(app):
    """A central directory that understates a member's size does not get it past the
    limits: the bytes are counted (or the mismatch is caught) while inflating."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"A" * (60 * 2**20) + b"</sst>")
    data = bytearray(buffer.getvalue())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (1000).to_bytes(4, "little")  # uncompressed size: "1000"
    with bounded(memory=20 * 2**20, seconds=3):
        error = refusal(bytes(data))
    assert "xlsx" in str(error)


def test_a_highly_compressed_part_is_refused_by_its_ratio(app):
    data = hostile.huge_shared_string(QUIZ_HEADER, ["x", "y", "A"], 5)  # 5 MB of "A": about 1000 to 1
    error = refusal(data)
    assert "100" in str(error) and "xl/sharedStrings.xml" in str(error)


def test_a_row_numbered_three_million_is_refused_at_the_row_limit(app):
    data = hostile.far_row(ROSTER_HEADER, ["Ann", "SA"], 3_000_000)
    with bounded(seconds=10):  # 0.4 s untraced; tracemalloc slows the 250,000 filler rows
        error = refusal(data)
    assert error.row == 250_001 and "250000" in str(error)


def test_many_empty_formatted_rows_are_refused_at_the_row_limit(app):
    data = hostile.empty_rows(ROSTER_HEADER, 300_000)
    with bounded(seconds=2):
        error = refusal(data, _limits(max_rows=20_000))
    assert "20000" in str(error) and "xl/worksheets/sheet1.xml" in str(error)


def test_too_many_shared_strings_are_refused_before_openpyxl_loads_them(app):
    data = hostile.many_shared_strings(QUIZ_HEADER, 30_000)
    error = refusal(data, _limits(max_shared_strings=10_000))
    assert "10000" in str(error)


def test_a_long_cell_is_refused_with_its_row_and_column(app):
    data = hostile.workbook([hostile.SHEET_HEAD, hostile.inline_row(1, ROSTER_HEADER),
                             hostile.inline_row(2, ["Ann", "x" * 40_000]), hostile.SHEET_TAIL])
    error = refusal(data)
    assert (error.row, error.column) == (2, "B") and "32767" in str(error)


def test_a_header_wider_than_the_column_limit_is_refused(app):
    data = hostile.workbook([hostile.SHEET_HEAD, hostile.inline_row(1, [f"c{i}" for i in range(150)]),
                             hostile.SHEET_TAIL])
    error = refusal(data)
    assert error.row == 1 and error.column == "CW" and "100" in str(error)


def test_an_archive_of_many_members_is_refused(app):
    error = refusal(hostile.many_members(1500))
    assert "1500" in str(error) and "1000" in str(error)


@pytest.mark.parametrize("part", ["sheet", "shared"])
def test_billion_laughs_is_refused_as_a_dtd(app, part):
    with bounded(memory=20 * 2**20, seconds=2):
        error = refusal(hostile.billion_laughs(QUIZ_HEADER, part))
    assert "DTD" in str(error)


def test_a_dtd_without_entities_is_refused_too(app):
    error = refusal(hostile.plain_dtd(QUIZ_HEADER, ["x", "y", "z", "A"]))
    assert "DTD" in str(error) and "xl/worksheets/sheet1.xml" in str(error)


def test_reading_stops_at_the_wall_time_limit(app):
    data = hostile.empty_rows(ROSTER_HEADER, 200_000)
    with bounded(seconds=4):
        error = refusal(data, _limits(max_seconds=0.5))
    assert "0.5" in str(error) and "giây" in str(error)


def test_csv_with_an_enormous_field_is_refused_with_its_row(app):
    data = ("full_name,org_code\nAnn,SA\n\"" + "A" * (5 * 2**20) + "\",SA\n").encode()
    with bounded(seconds=3):
        error = refusal(data, kind="csv")
    assert error.row == 3


def test_csv_with_a_huge_line_of_separators_is_refused_before_splitting(app):
    data = ("full_name,org_code\n" + "," * 5_000_000 + "\n").encode()
    with bounded(seconds=3):
        error = refusal(data, kind="csv")
    assert error.row == 2 and "100000" in str(error)


def test_csv_rows_and_columns_are_bounded(app):
    assert refusal(("a\n" * 300_001).encode(), _limits(max_rows=300_000, max_lines=400_000),
                   kind="csv").row == 300_001
    assert refusal((",".join(["a"] * 150) + "\n").encode(), kind="csv").row == 1


def test_text_uploads_are_bounded_in_size_and_lines(app):
    assert "20 MB" in str(refusal(b"x" * (21 * 2**20), kind="text"))
    assert refusal(b"a\n" * 300_000, kind="text").row == 250_001


# --- every parser goes through it ----------------------------------------------------------


def test_roster_parser_reports_the_limit_as_one_issue_and_no_rows(app):
    from lms.roster.parsing import parse_roster

    with bounded():
        parsed = parse_roster("r.xlsx", hostile.huge_shared_string(ROSTER_HEADER, ["SA"], 400))
    assert parsed.rows == [] and len(parsed.issues) == 1
    assert "100 MB" in str(parsed.issues[0])
    far = parse_roster("r.xlsx", hostile.far_row(ROSTER_HEADER, ["Ann", "SA"], 3_000_000))
    assert parsed.rows == [] and "Sheet1" in str(far.issues[0]) and far.issues[0].row == 250_001


def test_roster_csv_with_an_enormous_field_is_an_issue_not_an_error(app):
    from lms.roster.parsing import parse_roster

    parsed = parse_roster("r.csv", ("full_name,org_code\n" + "A" * 200_000 + ",SA\n").encode())
    assert parsed.rows == [] and parsed.issues[0].row == 2


def test_quiz_parsers_refuse_oversized_questions(app):
    from lms.quizzes.services import parse_upload

    _, bank = parse_upload("q.xlsx", hostile.huge_shared_string(QUIZ_HEADER, ["x", "y", "A"], 400))
    assert bank.questions == [] and "100 MB" in str(bank.issues[0])
    gift = ("::Q1:: " + "x" * 40_000 + " {=a ~b}\n").encode()
    _, bank = parse_upload("q.gift", gift, "gift")
    assert bank.questions == [] and "32767" in str(bank.issues[0].message)
    many = ("::Q2:: Câu hỏi {=a " + " ".join(f"~o{i}" for i in range(60)) + "}\n").encode()
    _, bank = parse_upload("q.gift", many, "gift")
    assert bank.questions == [] and "50" in str(bank.issues[0].message)
    aiken = ("Câu hỏi " + "x" * 40_000 + "\nA. a\nB. b\nANSWER: A\n").encode()
    _, bank = parse_upload("q.txt", aiken, "aiken")
    assert bank.questions == [] and "32767" in str(bank.issues[0].message)


def test_storing_an_oversized_question_is_refused_whatever_the_path(app):
    from lms.core.errors import ServiceError
    from lms.quizzes.ir import Choice, ParsedBank, ParsedQuestion
    from lms.quizzes.services import load_bank

    question = ParsedQuestion(type="single", text="x" * 40_000, choices=[Choice("a", 1.0), Choice("b", 0.0)])
    with pytest.raises(ServiceError):
        load_bank("big", ParsedBank(questions=[question]))
    db.session.rollback()
    assert db.session.scalar(select(func.count(QuestionBank.id))) == 0


def test_real_world_fixtures_still_import(app):
    from lms.quizzes.services import parse_upload
    from lms.roster.parsing import parse_roster

    if not PUBLIC_CASES.exists():
        pytest.skip("shared/fixtures is not beside the repository")
    roster = parse_roster("r.xlsx", (PUBLIC_CASES / "roster-phone-leading-zero-lost.xlsx").read_bytes())
    assert roster.issues == [] and [r.values["full_name"] for r in roster.rows] == ["Lò Thị Mai", "Vàng A Sử"]
    assert roster.rows[0].values["date_of_birth"] == "07/04/2009"  # the date itself, day first
    fmt, bank = parse_upload("q.xlsx", (PUBLIC_CASES / "xlsx-questions-excel-autotyped-dates-percent.xlsx").read_bytes())
    assert fmt == "xlsx" and bank.issues == [] and len(bank.questions) >= 2
    assert bank.questions[0].text == "Ngày Chuyển đổi số quốc gia là ngày nào?"


# --- through the web and the CLI -----------------------------------------------------------


def _roster_post(client, name, data):
    token = csrf_token(client, "/admin/roster/")
    return client.post("/admin/roster/", data={"csrf_token": token, "org_id": "0", "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _bank_post(client, name, data, bank="ngan-hang"):
    token = csrf_token(client, "/quizzes/banks/import")
    return client.post("/quizzes/banks/import", content_type="multipart/form-data",
                       data={"csrf_token": token, "bank": bank, "format": "auto", "file": (io.BytesIO(data), name)})


def test_teacher_roster_upload_of_hostile_files_gets_a_vietnamese_message(any_db_app, make_org, make_user):
    school = make_org("SA", "Trường A", "school")
    make_user("giaovien", org=school, roles=[("teacher", school)])
    client = any_db_app.test_client()
    login(client, "giaovien")
    users_before = db.session.scalar(select(func.count(User.id)))
    with bounded():
        page = _roster_post(client, "ds.xlsx", hostile.huge_shared_string(ROSTER_HEADER, ["SA"], 400))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "tối đa 100 MB" in html
    page = _roster_post(client, "ds.xlsx", hostile.far_row(ROSTER_HEADER, ["Ann", "SA"], 3_000_000))
    html = page.get_data(as_text=True)
    assert "<td>250001</td>" in html and "trang tính “Sheet1”" in html and "250000 dòng" in html
    page = _roster_post(client, "ds.xlsx", hostile.billion_laughs(ROSTER_HEADER))
    assert page.status_code == 200 and "DTD" in page.get_data(as_text=True)
    page = _roster_post(client, "ds.csv", ("Họ và tên,Mã đơn vị\n" + "A" * 50_000 + ",SA\n").encode())
    assert page.status_code == 200 and "<td>2</td><td>A</td>" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == users_before


def test_author_bank_import_of_hostile_files_gets_a_message_and_stores_nothing(any_db_app, make_user):
    make_user("tacgia", roles=[("author", None)])
    client = any_db_app.test_client()
    login(client, "tacgia")
    with bounded():
        page = _bank_post(client, "q.xlsx", hostile.huge_shared_string(QUIZ_HEADER, ["x", "y", "A"], 400))
    assert page.status_code == 200 and "tối đa 100 MB" in page.get_data(as_text=True)
    page = _bank_post(client, "q.xlsx", hostile.plain_dtd(QUIZ_HEADER, ["Câu?", "x", "y", "A"]))
    assert page.status_code == 200 and "DTD" in page.get_data(as_text=True)
    page = _bank_post(client, "q.xlsx", hostile.billion_laughs(QUIZ_HEADER, "shared"))
    assert page.status_code == 200 and "DTD" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Question.id))) == 0
    assert db.session.scalar(select(func.count(QuestionBank.id))) == 0


def test_a_request_over_the_size_limit_gets_a_vietnamese_413_page(app, make_org, make_user, client):
    school = make_org("SA", "Trường A", "school")
    make_user("giaovien", org=school, roles=[("teacher", school)])
    login(client, "giaovien")
    page = _roster_post(client, "ds.csv", b"x" * (21 * 2**20))
    assert page.status_code == 413
    html = page.get_data(as_text=True)
    assert "20 MB" in html and "lớn hơn" in html and "Request Entity Too Large" not in html


def test_cli_imports_refuse_hostile_files(app, tmp_path):
    bomb = tmp_path / "ds.xlsx"
    bomb.write_bytes(hostile.huge_shared_string(ROSTER_HEADER, ["SA"], 400))
    runner = app.test_cli_runner()
    with bounded():
        result = runner.invoke(args=["import-users", str(bomb), "--dry-run"])
    assert result.exit_code == 1 and "100 MB" in result.output
    result = runner.invoke(args=["import-questions", str(bomb), "--bank", "b"])
    assert result.exit_code == 1 and "100 MB" in result.output
    units = tmp_path / "units.csv"
    units.write_text("code,name\nX," + "A" * 200_000 + "\n", encoding="utf-8")
    result = runner.invoke(args=["orgs", "import", str(units)])
    assert result.exit_code != 0 and "units.csv" in result.output and "2" in result.output
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(25 * 2**20)
    result = runner.invoke(args=["import-users", str(big)])
    assert result.exit_code == 1 and "20 MB" in result.output


def _pdf_bomb(pages: int = 1, megabytes: int = 100) -> bytes:
    """A PDF carrying a certificate-looking statement and a page whose content stream
    inflates to ``megabytes`` MB (about 100 KB on the wire)."""
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import NameObject, NumberObject, StreamObject

    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(200, 200)
        stream = StreamObject()
        stream._data = zlib.compress(b"0 0 m " * (megabytes * 2**20 // 6), 9)
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        stream[NameObject("/Length")] = NumberObject(len(stream._data))
        page[NameObject("/Contents")] = writer._add_object(stream)
    writer.add_metadata({"/Keywords": "lms-certificate:e30.c2ln"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("pages", [1, 40])
def test_anonymous_certificate_check_of_a_pdf_bomb_is_refused_not_a_500(app, client, pages):
    data = _pdf_bomb(pages, 100 if pages == 1 else 2)
    token = csrf_token(client, "/verify")
    with bounded(seconds=10):
        page = client.post("/verify", content_type="multipart/form-data",
                           data={"csrf_token": token, "f-file": (io.BytesIO(data), "chungchi.pdf")})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    from flask_babel import force_locale

    from lms.certificates.status import REASONS

    # Refused on the page's shape before its drawing is inflated (lms.certificates.verify).
    with force_locale("vi"):
        expected = str(REASONS["legacy_page_box" if pages == 1 else "legacy_pages"])
    assert expected in html
