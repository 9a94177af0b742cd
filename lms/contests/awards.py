"""The two documents an organiser hands out after publication: the prize list (XLSX, for the
official decision) and the certificates of award (PDF, one page per award, with a QR code that
opens the public award page so a printed certificate can be checked)."""

from __future__ import annotations

import io

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from lms.certificates.render import (
    NAME_LEADING,
    NAME_WIDTH,
    TEXT_WIDTH,
    _register_fonts,
    draw_fitted,
    draw_qr,
    encode_statement,
)
from lms.contests.models import Award, Contest
from lms.core.cells import append_styled, new_workbook, save_workbook
from lms.core.timeutil import to_vn

# Documents for Vietnamese offices are in Vietnamese whatever the page language.
PRIZE_NAMES = {"first": "Giải Nhất", "second": "Giải Nhì", "third": "Giải Ba", "consolation": "Giải Khuyến khích"}
COLLECTIVE_NAME = "Giải Tập thể"
HEADERS = ["STT", "Loại giải", "Giải", "Hạng", "Họ và tên / Tập thể", "Đơn vị", "Điểm", "Mã xác minh"]


def prize_label(award: Award) -> str:
    if award.kind == "collective":
        return COLLECTIVE_NAME
    return PRIZE_NAMES.get(award.prize, award.prize)


def write_prize_list(contest: Contest, awards: list[Award], handle) -> int:
    workbook = new_workbook()
    sheet = workbook.create_sheet("Danh sách giải")
    sheet.freeze_panes = "A3"
    title = WriteOnlyCell(sheet, value=f"{contest.title} — danh sách đạt giải")
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    append_styled(sheet, HEADERS, font=Font(bold=True))
    try:
        for number, award in enumerate(awards, start=1):
            sheet.append([number, "Cá nhân" if award.kind == "individual" else "Tập thể", prize_label(award),
                          award.rank, award.name, award.unit_name or "",
                          round(award.score, 2) if award.score is not None else None, award.code])
    except BaseException:
        workbook.discard()
        raise
    save_workbook(workbook, handle)
    return len(awards)


def render_award_certificates(contest: Contest, awards: list[Award], verify_base: str) -> bytes:
    """Unsigned; the caller signs it (lms.certificates.pades.sign_pdf). ``verify_base`` + code is the public address of each award (lms.core.urls.public_url_for:
    the configured public address, never the one a request behind a proxy arrived at)."""
    _register_fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buffer, pagesize=(width, height), initialFontName="CertSans", initialFontSize=12)
    c.setTitle(f"Giấy khen — {contest.title}")
    c.setCreator("lms-dvc")
    center = width / 2
    # Every variable text is set by the certificates' shared layout (lms.certificates.render.
    # fit_lines): short texts keep their size and place, long ones shrink, then wrap, and push
    # what follows down. The most the middle can grow (a contest title on three lines, a name
    # and a unit on two: about 30 mm) stays well above the QR code, whose top is 46.5 mm up.
    for award in awards:
        c.setStrokeColorRGB(0.62, 0.11, 0.11)
        c.setLineWidth(4)
        c.rect(9 * mm, 9 * mm, width - 18 * mm, height - 18 * mm)
        c.setLineWidth(1)
        c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
        c.setFillColorRGB(0.62, 0.11, 0.11)
        draw_fitted(c, "GIẤY CHỨNG NHẬN ĐẠT GIẢI", "CertSansBold", center, height - 42 * mm, 30, 20, NAME_WIDTH)
        c.setFillColorRGB(0.12, 0.12, 0.12)
        y = draw_fitted(c, contest.title, "CertSans", center, height - 56 * mm, 14, 11, TEXT_WIDTH, 3, 7 * mm / 14)
        y = draw_fitted(c, "trao cho tập thể" if award.kind == "collective" else "trao cho", "CertSans", center,
                        y - 13 * mm, 14, 10, TEXT_WIDTH)
        y = draw_fitted(c, award.name, "CertSerifBold", center, y - 16 * mm, 28, 22, NAME_WIDTH, 2, NAME_LEADING)
        if award.unit_name:
            y = draw_fitted(c, award.unit_name, "CertSans", center, y - 10 * mm, 14, 11, TEXT_WIDTH, 2, 1.3)
        else:
            y -= 10 * mm
        c.setFillColorRGB(0.62, 0.11, 0.11)
        draw_fitted(c, prize_label(award).upper(), "CertSansBold", center, y - 16 * mm, 22, 14, TEXT_WIDTH)
        c.setFillColorRGB(0.12, 0.12, 0.12)
        c.setFont("CertSans", 11)
        issued = to_vn(contest.published_at)
        if issued is not None:
            c.drawString(22 * mm, 24 * mm, f"Ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}")
        c.drawString(22 * mm, 18 * mm, f"Mã xác minh: {award.code}")
        url = verify_base + award.code
        size = 30 * mm
        draw_qr(c, url, width - 22 * mm - size, 16.5 * mm, size)  # its quiet zone clear of the address
        draw_fitted(c, url, "CertSans", width - 22 * mm, 14 * mm, 8, 5, 150 * mm, align="right")
        c.showPage()
    if not awards:
        c.showPage()
    c.setKeywords(encode_statement({"kind": "award", "contest": contest.slug, "codes": [a.code for a in awards]}))
    c.save()
    return buffer.getvalue()


def signed_award_certificates(contest: Contest, awards: list[Award], verify_base: str) -> bytes:
    """``render_award_certificates`` PAdES-signed by the platform's current key, so the printed
    and the emailed copy can be checked like a course certificate (/verify, lms verify-certificate)."""
    from lms.certificates.keys import current_signer
    from lms.certificates.pades import sign_pdf

    return sign_pdf(render_award_certificates(contest, awards, verify_base), current_signer(),
                    reason="Xác nhận giấy chứng nhận đạt giải do nền tảng cấp")


def _lookup_award_document(payload: dict) -> tuple[str, list]:
    """The register's view of a signed award document: "valid" when every award it lists is
    still published under its code, else "unknown" (withdrawn or republished since)."""
    from sqlalchemy import select

    from lms.extensions import db

    codes = [str(code) for code in payload.get("codes", [])][:5000]
    found = {a.code: a for a in db.session.scalars(select(Award).where(Award.code.in_(codes)))} if codes else {}
    rows = [found.get(code) for code in codes]
    return ("valid" if rows and all(rows) else "unknown"), rows


def _register_lookup() -> None:
    from lms.certificates.services import DOCUMENT_LOOKUPS

    DOCUMENT_LOOKUPS["award"] = _lookup_award_document


_register_lookup()
