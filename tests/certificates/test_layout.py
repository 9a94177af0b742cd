"""Certificates fit long names (issue 16): on a course certificate and a contest award
certificate alike, every text stays inside the inner border, no two lines of text overlap or run
into the QR code, and the whole name or title reads back intact from the PDF. The longest names
of the demo data keep the size and place they always had.

The PDFs are read back with PDFium (the engine of Chrome's viewer): each character's box is the
outline of its glyph, diacritics included, in points from the page's lower left corner.
"""

import ctypes
import inspect
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from pathlib import Path
from types import SimpleNamespace

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from reportlab.lib.units import mm

from lms.certificates.render import CertificateData, Template, render_certificate
from lms.contests.awards import render_award_certificates
from lms.core import demo
from lms.courses.content import read_document

COURSE_BORDER = 11 * mm  # the inner border's inset on a course certificate (render_certificate)
AWARD_BORDER = 12 * mm  # ... and on an award certificate (render_award_certificates)
MARGIN = 1 * mm  # how far inside that line every glyph stays
COURSE_QR = (20 * mm, 22 * mm, 56 * mm, 58 * mm)  # left, bottom, right, top
AWARD_QR = (842 - 52 * mm, 16.5 * mm, 842 - 22 * mm, 46.5 * mm)

NAME_45 = "Tôn Nữ Hoàng Thị Phương Thảo Nguyễn Huỳnh Đức"
NAME_60 = "Tôn Nữ Hoàng Thị Phương Thảo Nguyễn Huỳnh Đức Ngọc Ánh Quỳnh"
LONG_COLLECTIVE = "Trường Trung học phổ thông chuyên Hà Nội – Amsterdam, Sở Giáo dục và Đào tạo Thành phố Hà Nội"
LONG_UNIT = ("Trung tâm Phục vụ hành chính công tỉnh Bà Rịa – Vũng Tàu, Bộ phận Tiếp nhận và Trả kết quả "
             "giải quyết thủ tục hành chính cấp xã")
TITLE_200 = ("Bồi dưỡng kỹ năng hướng dẫn người dân, doanh nghiệp sử dụng dịch vụ công trực tuyến toàn trình "
             "trên Cổng Dịch vụ công quốc gia và thanh toán phí, lệ phí trực tuyến dành cho cán bộ một cửa cấp xã, 2026")
LONG_CONTEST = ("Hội thi tìm hiểu pháp luật về dịch vụ công trực tuyến, chuyển đổi số và bảo vệ dữ liệu cá nhân "
                "dành cho cán bộ, công chức, viên chức, giáo viên và học sinh trên địa bàn Thành phố Hà Nội năm 2026 "
                "(lần thứ nhất, vòng chung kết toàn thành phố)")
LONG_SIGNER = ("KT. Giám đốc Sở Giáo dục và Đào tạo Thành phố Hà Nội, Phó Giám đốc phụ trách công tác chuyển đổi số "
               "và cải cách hành chính")
# The demo contest's title, as lms.core.demo creates it (checked below against its source).
DEMO_CONTEST = "Hội thi tuyên truyền viên dịch vụ công trực tuyến giỏi 2026"


def test_the_long_texts_are_what_the_issue_asks_for():
    assert (len(NAME_45), len(NAME_60), len(TITLE_200)) == (45, 60, 200)
    for text in (NAME_45, NAME_60, LONG_COLLECTIVE, LONG_UNIT, TITLE_200, LONG_CONTEST, LONG_SIGNER):
        assert unicodedata.is_normalized("NFC", text)
    assert DEMO_CONTEST in inspect.getsource(demo)


def demo_longest() -> SimpleNamespace:
    """The longest person, organisation and course names the demo data creates."""
    courses = Path(__file__).resolve().parents[2] / "courses"
    titles = [read_document(path, []).meta["title"] for path in sorted(courses.glob("*/course.md"))]
    assert titles
    return SimpleNamespace(person=max((user[1] for user in demo.DEMO_USERS), key=len),
                           org=max((org[1] for org in demo.DEMO_ORGS), key=len),
                           course=max(titles, key=len), contest=DEMO_CONTEST)


# -- making the documents --------------------------------------------------------------------

def course_pdf(name: str, title: str = "Sử dụng dịch vụ công trực tuyến", signer_title: str | None = "Giám đốc",
               place: str | None = "Hà Nội") -> bytes:
    data = CertificateData(
        serial="DVC-2026-000001", version=1, code="K7M2Q9X4C8V3", full_name=name, course_title=title,
        completed_on="2026-03-01", score=90.0, issuer_name="Nền tảng học dịch vụ công trực tuyến",
        signer_name="Nguyễn Văn Bình", signer_title=signer_title, issued_on="2026-03-02",
        verify_url="https://hoc.dichvucong.example.vn/verify/K7M2Q9X4C8V3")
    return render_certificate(data, Template(place=place))


def award_pdf(*awards: SimpleNamespace, contest_title: str = DEMO_CONTEST) -> bytes:
    """Award certificates for stand-ins carrying exactly what render_award_certificates reads."""
    contest = SimpleNamespace(title=contest_title, slug="hoi-thi-2026", published_at=datetime(2026, 3, 1, 3, 0))
    return render_award_certificates(contest, list(awards), "https://hoc.dichvucong.example.vn/contests/hoi-thi-2026/awards/")


def individual(name: str, unit: str | None = "Trường THPT Chu Văn An", prize: str = "first") -> SimpleNamespace:
    return SimpleNamespace(kind="individual", prize=prize, name=name, unit_name=unit, code="H7K2M9P4QX")


def collective(name: str) -> SimpleNamespace:
    return SimpleNamespace(kind="collective", prize="first", name=name, unit_name=None, code="T3V8W2Y6ZA")


# -- reading them back -----------------------------------------------------------------------

@dataclass
class Line:
    """A run of characters on one baseline, as PDFium reads it; lengths in points."""

    text: str
    left: float
    bottom: float
    right: float
    top: float
    baseline: float
    size: float


@dataclass
class Page:
    width: float
    height: float
    lines: list[Line]
    text: str  # the page's whole text, runs of whitespace as one space


def read_pdf(pdf: bytes) -> list[Page]:
    pages = []
    for page in pypdfium2.PdfDocument(pdf):
        textpage = page.get_textpage()
        lines: list[Line] = []
        current: Line | None = None
        x, y = ctypes.c_double(), ctypes.c_double()
        for i in range(textpage.count_chars()):
            char = textpage.get_text_range(i, 1)
            if not char.strip():  # spaces, and the line breaks PDFium adds between runs
                if current is not None and char == " ":
                    current.text += " "
                continue
            left, bottom, right, top = textpage.get_charbox(i)
            pdfium_c.FPDFText_GetCharOrigin(textpage.raw, i, ctypes.byref(x), ctypes.byref(y))
            size = pdfium_c.FPDFText_GetFontSize(textpage.raw, i)
            if current is None or abs(y.value - current.baseline) > 0.01 or x.value < current.left:
                current = Line(char, left, bottom, right, top, y.value, size)
                lines.append(current)
            else:
                current.text += char
                current.left, current.bottom = min(current.left, left), min(current.bottom, bottom)
                current.right, current.top = max(current.right, right), max(current.top, top)
        for line in lines:
            line.text = line.text.strip()
        whole = textpage.get_text_range()
        assert unicodedata.is_normalized("NFC", whole)
        pages.append(Page(page.get_width(), page.get_height(), lines, " ".join(whole.split())))
    return pages


def assert_laid_out(pdf: bytes, border: float, qr: tuple[float, float, float, float]) -> list[Page]:
    """Every line inside the inner border, no two lines on top of each other, none across the QR code."""
    pages = read_pdf(pdf)
    for page in pages:
        low, high = border + MARGIN, page.width - border - MARGIN
        for line in page.lines:
            assert line.left >= low and line.right <= high, f"{line.text!r} runs over a side border"
            assert line.bottom >= low and line.top <= page.height - border - MARGIN, f"{line.text!r} runs over"
        for a, b in combinations(page.lines, 2):
            if a.left < b.right and b.left < a.right and a.bottom < b.top and b.bottom < a.top:
                raise AssertionError(f"{a.text!r} and {b.text!r} overlap")
        for line in page.lines:
            across = line.left < qr[2] and qr[0] < line.right and line.bottom < qr[3] and qr[1] < line.top
            assert not across, f"{line.text!r} runs into the QR code"
    return pages


def assert_intact(page: Page, text: str) -> None:
    """``text`` reads back whole, every word in order (a wrapped text reads with a space at the break)."""
    assert " ".join(text.split()) in page.text


def lines_of(page: Page, text: str) -> list[Line]:
    """The lines that together read as ``text``."""
    words = set(text.split())
    found = [line for line in page.lines if line.text and set(line.text.split()) <= words]
    assert " ".join(line.text for line in found) == text
    return found


# -- award certificates ----------------------------------------------------------------------

def test_award_with_the_longest_demo_names_looks_as_before():
    longest = demo_longest()
    person, group = assert_laid_out(award_pdf(individual(longest.person, longest.org), collective(longest.org),
                                              contest_title=longest.contest), AWARD_BORDER, AWARD_QR)
    for page, name in ((person, longest.person), (group, longest.org)):
        assert_intact(page, name)
        [line] = lines_of(page, name)
        # The place and size a name always had: 28 pt, 85 mm below the top edge.
        assert line.size == 28 and line.baseline == pytest.approx(page.height - 85 * mm)
    assert_intact(person, longest.org)
    assert_intact(person, longest.contest)


def test_award_with_a_45_character_name_shrinks_it_onto_one_line():
    [page] = assert_laid_out(award_pdf(individual(NAME_45)), AWARD_BORDER, AWARD_QR)
    assert_intact(page, NAME_45)
    [line] = lines_of(page, NAME_45)
    assert 22 <= line.size < 28


def test_award_with_a_60_character_name_wraps_it():
    [page] = assert_laid_out(award_pdf(individual(NAME_60)), AWARD_BORDER, AWARD_QR)
    assert_intact(page, NAME_60)
    first, second = lines_of(page, NAME_60)
    assert first.size == second.size == 22 and first.baseline > second.baseline


def test_award_to_a_collective_with_a_long_name():
    [page] = assert_laid_out(award_pdf(collective(LONG_COLLECTIVE)), AWARD_BORDER, AWARD_QR)
    assert_intact(page, LONG_COLLECTIVE)
    assert "trao cho tập thể" in page.text


def test_award_with_a_long_unit_name():
    [page] = assert_laid_out(award_pdf(individual("Trần Thị Bình", LONG_UNIT)), AWARD_BORDER, AWARD_QR)
    assert_intact(page, LONG_UNIT)
    assert len(lines_of(page, LONG_UNIT)) == 2


def test_award_with_everything_long_at_once_keeps_clear_of_the_bottom():
    pages = assert_laid_out(award_pdf(individual(NAME_60, LONG_UNIT, prize="consolation"), collective(LONG_COLLECTIVE),
                                      contest_title=LONG_CONTEST), AWARD_BORDER, AWARD_QR)
    for page, name in zip(pages, (NAME_60, LONG_COLLECTIVE), strict=True):
        assert_intact(page, name)
        assert_intact(page, LONG_CONTEST)
    assert "GIẢI KHUYẾN KHÍCH" in pages[0].text and "GIẢI TẬP THỂ" in pages[1].text


# -- course certificates ---------------------------------------------------------------------

def test_course_certificate_with_the_longest_demo_names_looks_as_before():
    longest = demo_longest()
    [page] = assert_laid_out(course_pdf(longest.person, longest.course), COURSE_BORDER, COURSE_QR)
    assert_intact(page, longest.person)
    assert_intact(page, longest.course)
    [line] = lines_of(page, longest.person)
    assert line.size == 28 and line.baseline == pytest.approx(page.height - 82 * mm)
    [title] = lines_of(page, longest.course)
    assert title.size == 18 and title.baseline == pytest.approx(page.height - 107 * mm)


@pytest.mark.parametrize("name", [NAME_45, NAME_60])
def test_course_certificate_with_a_long_name(name):
    [page] = assert_laid_out(course_pdf(name), COURSE_BORDER, COURSE_QR)
    assert_intact(page, name)
    assert len(lines_of(page, name)) == (1 if name == NAME_45 else 2)


def test_course_certificate_with_a_200_character_title():
    [page] = assert_laid_out(course_pdf(NAME_45, TITLE_200), COURSE_BORDER, COURSE_QR)
    assert_intact(page, TITLE_200)
    assert len(lines_of(page, TITLE_200)) <= 3


def test_course_certificate_with_everything_long_at_once_keeps_clear_of_the_bottom():
    [page] = assert_laid_out(course_pdf(NAME_60, TITLE_200, signer_title=LONG_SIGNER, place="Thành phố Hồ Chí Minh"),
                             COURSE_BORDER, COURSE_QR)
    for text in (NAME_60, TITLE_200, LONG_SIGNER.upper(), "Điểm bài kiểm tra: 90/100"):
        assert_intact(page, text)
    facts = next(line for line in page.lines if line.text.startswith("Ngày hoàn thành"))
    date = next(line for line in page.lines if line.text.startswith("Thành phố Hồ Chí Minh, ngày"))
    assert facts.bottom - date.top >= 2 * mm  # the middle block stops short of the signature block


# -- the layout routine itself ---------------------------------------------------------------

def test_fit_lines_keeps_short_text_shrinks_then_wraps_and_never_cuts():
    from lms.certificates.render import fit_lines

    assert fit_lines("Nguyễn Văn An", "CertSerifBold", 28, 22, 700) == (28, ["Nguyễn Văn An"])
    size, lines = fit_lines(NAME_45, "CertSerifBold", 28, 22, 700, 2)
    assert 22 <= size < 28 and lines == [NAME_45]
    size, lines = fit_lines(NAME_60, "CertSerifBold", 28, 22, 700, 2)
    assert size == 22 and " ".join(lines) == NAME_60
    assert lines == ["Tôn Nữ Hoàng Thị Phương Thảo", "Nguyễn Huỳnh Đức Ngọc Ánh Quỳnh"]  # even halves
    # More than max_lines at the least size, or a word wider than the line: smaller still, never cut.
    size, lines = fit_lines(" ".join([NAME_60] * 4), "CertSerifBold", 28, 22, 700, 2)
    assert size < 22 and len(lines) == 2 and " ".join(lines) == " ".join([NAME_60] * 4)
    size, lines = fit_lines("Nguyễn " + "Ư" * 80, "CertSerifBold", 28, 22, 700, 2)
    assert size < 22 and " ".join(lines) == "Nguyễn " + "Ư" * 80
    assert fit_lines("  Trần\u00a0 Thị   Hoa ", "CertSans", 14, 10, 700) == (14, ["Trần Thị Hoa"])
    assert fit_lines("", "CertSans", 14, 10, 700) == (14, [])
