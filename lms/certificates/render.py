"""Certificate PDFs: A4 landscape, embedded subset fonts with full Vietnamese diacritics,
a vector QR code to the public verification page, and the signed statement in the metadata.

ReportLab registers the fonts once per process and subsets them per document, so a
certificate takes a few milliseconds: bulk rendering for a whole province is practical.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from lms.certificates.statement import (  # noqa: F401 - re-exported for callers
    METADATA_PREFIX,
    STATEMENT_PREFIX,
    content_hash,
    encode_metadata,
    encode_statement,
)

FONTS = Path(__file__).resolve().parent / "fonts"
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


# Text layout, shared by every kind of certificate (course certificates here, contest awards in
# lms.contests.awards). All lengths are PDF points (1/72 inch); ``mm`` converts.
SIZE_STEP = 0.25  # font sizes are whole quarter points, so the same text always gets the same size


def _floor_size(size: float) -> float:
    return max(SIZE_STEP, math.floor(size / SIZE_STEP + 1e-9) * SIZE_STEP)


def _balanced_lines(words: list[str], font: str, size: float, width: float) -> list[str]:
    """``words`` on the fewest lines no wider than ``width`` at ``size``, breaking only at
    spaces, the breaks chosen so the longest line is as short as possible: a name on two lines
    reads as two halves, not a full line and a stray word. Every word must fit ``width``."""
    space = pdfmetrics.stringWidth(" ", font, size)
    widths = [pdfmetrics.stringWidth(word, font, size) for word in words]
    count = len(words)

    def span(i: int, j: int) -> float:  # words[i:j] on one line (TrueType widths add up: no kerning)
        return sum(widths[i:j]) + space * (j - i - 1)

    # The fewest lines, greedily; then, for that many lines, the most even breaks.
    needed, used = 1, 0.0
    for w in widths:
        if used and used + space + w > width:
            needed, used = needed + 1, w
        else:
            used = used + space + w if used else w
    best: dict[tuple[int, int], tuple[float, list[int]]] = {}

    def split(i: int, lines: int) -> tuple[float, list[int]]:
        """(longest line, break positions) for words[i:] on at most ``lines`` lines."""
        if (i, lines) not in best:
            if lines == 1 or span(i, count) <= width:
                best[i, lines] = (span(i, count), [])
            else:
                options = []
                for j in range(i + 1, count):
                    if span(i, j) > width:
                        break
                    longest, breaks = split(j, lines - 1)
                    options.append((max(span(i, j), longest), [j, *breaks]))
                best[i, lines] = min(options, key=lambda o: o[0]) if options else (math.inf, [])
        return best[i, lines]

    breaks = [0, *split(0, needed)[1], count]
    return [" ".join(words[a:b]) for a, b in zip(breaks, breaks[1:], strict=False)]


def fit_lines(text: str, font: str, max_size: float, min_size: float, width: float,
              max_lines: int = 1) -> tuple[float, list[str]]:
    """The font size (points) and lines that set ``text`` in the registered ``font`` (CertSans,
    CertSansBold or CertSerifBold) within ``width`` points, widths measured with the font's own
    metrics (pdfmetrics.stringWidth). Runs of whitespace count as one space.

    Text that fits at ``max_size`` keeps it; otherwise one line shrinks toward ``min_size``;
    below that the text wraps at ``min_size`` onto at most ``max_lines`` evenly broken lines,
    breaking at spaces. A single word wider than ``width`` at ``min_size``, or text needing more
    than ``max_lines`` lines, is set smaller still: a name or title on a certificate is never
    cut, however long. Pure (it only registers the fonts on first use): the same arguments
    always give the same result.
    """
    _register_fonts()
    text = " ".join(text.split())
    if not text:
        return max_size, []
    at_one_point = pdfmetrics.stringWidth(text, font, 1)
    if at_one_point * max_size <= width:
        return max_size, [text]
    size = _floor_size(width / at_one_point)  # one line, as large as fits
    words = text.split(" ")
    if size >= min_size or max_lines <= 1 or len(words) == 1:
        return size, [text]
    widest = max(pdfmetrics.stringWidth(word, font, 1) for word in words)
    size = min(min_size, _floor_size(width / widest))
    while True:
        lines = _balanced_lines(words, font, size, width)
        if len(lines) <= max_lines or size <= SIZE_STEP:
            return size, lines
        size -= SIZE_STEP


def draw_fitted(c: canvas.Canvas, text: str, font: str, x: float, baseline_y: float, max_size: float,
                min_size: float, width: float, max_lines: int = 1, leading: float = 1.2,
                align: str = "centre") -> float:
    """Draw ``text`` as ``fit_lines`` sets it: the first line's baseline at ``baseline_y``, each
    next one ``leading`` × the size lower; ``x`` is the centre of the lines, or their left or
    right edge when ``align`` is "left" or "right" (all in points). Returns the last baseline
    drawn (``baseline_y`` when nothing was), from which the caller places what comes below."""
    size, lines = fit_lines(text, font, max_size, min_size, width, max_lines)
    c.setFont(font, size)
    draw = {"centre": c.drawCentredString, "left": c.drawString, "right": c.drawRightString}[align]
    y = baseline_y
    for number, line in enumerate(lines):
        if number:
            y -= leading * size
        draw(x, y, line)
    return y


def fitted_depth(text: str, font: str, max_size: float, min_size: float, width: float,
                 max_lines: int = 1, leading: float = 1.2) -> float:
    """How far below its first baseline ``draw_fitted`` puts the last one (points)."""
    size, lines = fit_lines(text, font, max_size, min_size, width, max_lines)
    return leading * size * max(len(lines) - 1, 0)


# Where variable text may go on an A4 landscape certificate (points). The inner border is 11 to
# 12 mm in; names and headings keep 25 mm from each side, the other lines 35 mm.
NAME_WIDTH = landscape(A4)[0] - 50 * mm
TEXT_WIDTH = landscape(A4)[0] - 70 * mm
SIGNER_WIDTH = 100 * mm  # the signature block, centred 72 mm from the right edge
NAME_LEADING = 1.3  # a name's lines: room for a descender above a capital's stacked marks (Ễ, Ấ)
TITLE_LEADING = 8 * mm / 18  # a course title's lines are 8 mm apart at its full 18 pt
BOTTOM_GAP = 3 * mm  # the least room between the middle block and the blocks at the bottom
MAX_LIFT = 10 * mm  # how far the middle block may move up into the space under the subtitle


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
    draw_fitted(c, template.title, "CertSansBold", center, height - 42 * mm, 30, 20, NAME_WIDTH)
    draw_fitted(c, template.subtitle.upper(), "CertSans", center, height - 51 * mm, 15, 10, TEXT_WIDTH)

    # The middle block: intro, name, body, course title, facts. Short texts sit where they
    # always have; a wrapped name or title pushes what follows down, and when the facts line
    # would then come closer than BOTTOM_GAP to the blocks at the bottom, the whole middle
    # block moves up into the space under the subtitle. The most it can grow is a name on two
    # lines (NAME_LEADING × 22 pt ≈ 10 mm) and a title on three (16 mm), against 19 mm of room
    # below and MAX_LIFT above, so it always fits.
    facts_y = (height - 117 * mm
               - fitted_depth(data.full_name, "CertSerifBold", 28, 22, NAME_WIDTH, 2, NAME_LEADING)
               - fitted_depth(data.course_title, "CertSansBold", 18, 14, TEXT_WIDTH, 3, TITLE_LEADING))
    floor = 66 * mm + 11 + BOTTOM_GAP + 12 * 0.25  # top of the date line, the gap, the facts' descent
    lift = min(max(floor - facts_y, 0), MAX_LIFT)

    c.setFillColorRGB(0.12, 0.12, 0.12)
    top = height - 68 * mm + lift
    draw_fitted(c, template.intro, "CertSans", center, top, 14, 10, TEXT_WIDTH)
    y = draw_fitted(c, data.full_name, "CertSerifBold", center, top - 14 * mm, 28, 22, NAME_WIDTH, 2, NAME_LEADING)
    y = draw_fitted(c, template.body, "CertSans", center, y - 13 * mm, 14, 10, TEXT_WIDTH)
    y = draw_fitted(c, data.course_title, "CertSansBold", center, y - 12 * mm, 18, 14, TEXT_WIDTH, 3, TITLE_LEADING)
    facts = [f"Ngày hoàn thành: {date_vi(data.completed_on)}"]
    if data.score is not None:
        facts.append(f"Điểm bài kiểm tra: {data.score:.0f}/100")
    draw_fitted(c, "   ·   ".join(facts), "CertSans", center, y - 10 * mm, 12, 9, TEXT_WIDTH)

    # Bottom left: the QR code to the public page, the serial and the code.
    draw_qr(c, data.verify_url, 20 * mm, 22 * mm, 36 * mm)
    lines = [f"Số hiệu: {data.serial}" + (f" (bản {data.version})" if data.version > 1 else ""),
             f"Mã xác thực: {data.code}", f"Kiểm tra tại: {data.verify_url}"]
    for i, line in enumerate(lines):  # up to the signature image (205 mm), the only thing beside them
        draw_fitted(c, line, "CertSans", 60 * mm, 48 * mm - i * 5 * mm, 9, 6, 130 * mm, align="left")

    # Bottom right: place and date, signer's title, signature image, signer, issuer.
    right = width - 72 * mm
    place = f"{template.place}, " if template.place else ""
    draw_fitted(c, f"{place}ngày {date_vi(data.issued_on)}", "CertSans", right, 66 * mm, 11, 8, SIGNER_WIDTH)
    draw_fitted(c, (data.signer_title or data.issuer_name).upper(), "CertSansBold", right, 59 * mm, 11, 8,
                SIGNER_WIDTH, 2, 5.5 * mm / 11)
    if template.signature and template.signature.is_file():
        c.drawImage(str(template.signature), right - 20 * mm, 33 * mm, width=40 * mm, height=18 * mm,
                    preserveAspectRatio=True, mask="auto")
    if data.signer_name:
        draw_fitted(c, data.signer_name, "CertSansBold", right, 27 * mm, 12, 9, SIGNER_WIDTH)
    draw_fitted(c, data.issuer_name, "CertSans", right, 21 * mm, 9, 6, SIGNER_WIDTH)
    c.showPage()
    c.setKeywords(encode_statement({"kind": "course", **data.payload()}))
    c.save()
    return buffer.getvalue()
