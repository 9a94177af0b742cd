"""Certificate PDFs: A4 landscape, embedded subset fonts with full Vietnamese diacritics,
a vector QR code to the public verification page, and the signed statement in the metadata.

ReportLab registers the fonts once per process and subsets them per document, so a
certificate takes a few milliseconds: bulk rendering for a whole province is practical.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from lms.certificates.signing import canonical

FONTS = Path(__file__).resolve().parent / "fonts"
METADATA_PREFIX = "lms-certificate:"  # the first version's signed statement
STATEMENT_PREFIX = "lms-certificate-v2:"  # inside a PAdES-signed PDF
_FONTS_READY = False


def _register_fonts() -> None:
    global _FONTS_READY
    if not _FONTS_READY:
        pdfmetrics.registerFont(TTFont("CertSans", str(FONTS / "DejaVuSans-Latin.ttf")))
        pdfmetrics.registerFont(TTFont("CertSansBold", str(FONTS / "DejaVuSans-Bold-Latin.ttf")))
        pdfmetrics.registerFont(TTFont("CertSerifBold", str(FONTS / "DejaVuSerif-Bold-Latin.ttf")))
        _FONTS_READY = True


@dataclass
class Template:
    """What an organisation or a course may change without code (see docs/operator-guide.md)."""

    key: str = "default"
    title: str = "GIẤY CHỨNG NHẬN"
    subtitle: str = "Hoàn thành khoá học"
    intro: str = "Chứng nhận Ông/Bà"
    body: str = "đã hoàn thành khoá học"
    issuer_name: str = "Nền tảng học dịch vụ công trực tuyến"
    signer_name: str | None = None
    signer_title: str | None = None
    place: str | None = None
    accent: tuple[int, int, int] = (163, 25, 15)
    background: Path | None = None
    logo: Path | None = None
    signature: Path | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class CertificateData:
    serial: str
    version: int
    code: str
    full_name: str
    course_title: str
    completed_on: str  # ISO date
    score: float | None
    issuer_name: str
    signer_name: str | None
    signer_title: str | None
    issued_on: str  # ISO date
    verify_url: str

    def payload(self) -> dict:
        """The signed statement: what the PDF says, and nothing private beyond it."""
        return {
            "serial": self.serial, "version": self.version, "code": self.code, "name": self.full_name,
            "course": self.course_title, "completed_on": self.completed_on,
            "score": None if self.score is None else round(self.score, 1),
            "issuer": self.issuer_name, "issued_on": self.issued_on,
        }


def encode_metadata(payload: dict, signature: str) -> str:
    """The first version's statement: payload and its Ed25519 signature (read by
    lms.certificates.verify for certificates issued before PAdES)."""
    body = base64.urlsafe_b64encode(canonical(payload)).rstrip(b"=").decode()
    return f"{METADATA_PREFIX}{body}.{signature}"


def encode_statement(payload: dict) -> str:
    """What a signed PDF says it is, in the document information's Keywords: the PAdES
    signature covers the whole file, so this needs no signature of its own. ``payload`` is a
    course certificate's ``CertificateData.payload()`` or an award document's
    ``{"kind": "award", "contest": slug, "codes": [...]}``."""
    body = base64.urlsafe_b64encode(canonical(payload)).rstrip(b"=").decode()
    return f"{STATEMENT_PREFIX}{body}"


def date_vi(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def draw_qr(c: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    """A vector QR code of ``url``, ``size`` wide and high, its lower left corner at (x, y)."""
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, x, y)


def render_certificate(data: CertificateData, template: Template) -> bytes:
    """The unsigned PDF of one course certificate, its statement in the Keywords; the caller
    signs it (lms.certificates.pades.sign_pdf)."""
    _register_fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buffer, pagesize=(width, height), initialFontName="CertSans", initialFontSize=12)
    c.setTitle(f"{template.title} {data.serial}")
    c.setAuthor(data.issuer_name)
    c.setSubject(f"{data.full_name} - {data.course_title}")
    c.setCreator("lms-dvc")

    if template.background and template.background.is_file():
        c.drawImage(str(template.background), 0, 0, width, height, preserveAspectRatio=False, mask="auto")
    r, g, b = (v / 255 for v in template.accent)
    c.setStrokeColorRGB(r, g, b)
    c.setLineWidth(4.5)
    c.rect(8 * mm, 8 * mm, width - 16 * mm, height - 16 * mm)
    c.setLineWidth(1.1)
    c.rect(11 * mm, 11 * mm, width - 22 * mm, height - 22 * mm)
    if template.logo and template.logo.is_file():
        c.drawImage(str(template.logo), 18 * mm, height - 40 * mm, height=22 * mm, width=22 * mm,
                    preserveAspectRatio=True, mask="auto")

    center = width / 2
    c.setFillColorRGB(r, g, b)
    c.setFont("CertSansBold", 30)
    c.drawCentredString(center, height - 42 * mm, template.title)
    c.setFont("CertSans", 15)
    c.drawCentredString(center, height - 51 * mm, template.subtitle.upper())

    c.setFillColorRGB(0.12, 0.12, 0.12)
    c.setFont("CertSans", 14)
    c.drawCentredString(center, height - 68 * mm, template.intro)
    name_size = 28 if len(data.full_name) < 32 else 22
    c.setFont("CertSerifBold", name_size)
    c.drawCentredString(center, height - 82 * mm, data.full_name)
    c.setFont("CertSans", 14)
    c.drawCentredString(center, height - 95 * mm, template.body)
    c.setFont("CertSansBold", 18)
    y = height - 107 * mm
    for line in simpleSplit(data.course_title, "CertSansBold", 18, width - 70 * mm)[:3]:
        c.drawCentredString(center, y, line)
        y -= 8 * mm
    facts = [f"Ngày hoàn thành: {date_vi(data.completed_on)}"]
    if data.score is not None:
        facts.append(f"Điểm bài kiểm tra: {data.score:.0f}/100")
    c.setFont("CertSans", 12)
    c.drawCentredString(center, y - 2 * mm, "   ·   ".join(facts))

    # Bottom left: the QR code to the public page, the serial and the code.
    draw_qr(c, data.verify_url, 20 * mm, 22 * mm, 36 * mm)
    c.setFont("CertSans", 9)
    lines = [f"Số hiệu: {data.serial}" + (f" (bản {data.version})" if data.version > 1 else ""),
             f"Mã xác thực: {data.code}", f"Kiểm tra tại: {data.verify_url}"]
    for i, line in enumerate(lines):
        c.drawString(60 * mm, 48 * mm - i * 5 * mm, line)

    # Bottom right: place and date, signer's title, signature image, signer, issuer.
    right = width - 72 * mm
    c.setFont("CertSans", 11)
    place = f"{template.place}, " if template.place else ""
    c.drawCentredString(right, 66 * mm, f"{place}ngày {date_vi(data.issued_on)}")
    c.setFont("CertSansBold", 11)
    title_y = 59 * mm
    for line in simpleSplit((data.signer_title or data.issuer_name).upper(), "CertSansBold", 11, 100 * mm)[:2]:
        c.drawCentredString(right, title_y, line)
        title_y -= 5.5 * mm
    if template.signature and template.signature.is_file():
        c.drawImage(str(template.signature), right - 20 * mm, 33 * mm, width=40 * mm, height=18 * mm,
                    preserveAspectRatio=True, mask="auto")
    if data.signer_name:
        c.setFont("CertSansBold", 12)
        c.drawCentredString(right, 27 * mm, data.signer_name)
    c.setFont("CertSans", 9)
    c.drawCentredString(right, 21 * mm, data.issuer_name)
    c.showPage()
    c.setKeywords(encode_statement({"kind": "course", **data.payload()}))
    c.save()
    return buffer.getvalue()


def content_hash(stream: str | bytes) -> str:
    raw = stream.encode("latin-1") if isinstance(stream, str) else stream
    return hashlib.sha256(raw).hexdigest()
