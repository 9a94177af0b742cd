"""Hostile upload files, built in the test itself: small on the wire, huge once read.

Each builder streams its members into the archive so that building costs little memory;
the files are valid enough for openpyxl to open them (content types, workbook, rels)."""

from __future__ import annotations

import io
import zipfile

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
MAIN_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {MAIN_NS}><sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"


def _letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def inline_row(number: int, values) -> str:
    cells = "".join(f'<c r="{_letters(i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
                    for i, v in enumerate(values) if v != "")
    return f'<row r="{number}">{cells}</row>'


def _write(archive: zipfile.ZipFile, name: str, chunks) -> None:
    with archive.open(name, "w", force_zip64=True) as out:  # the archive's deflate level 9
        for chunk in chunks:
            out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)


def workbook(sheet_chunks, shared_chunks=None) -> bytes:
    """An XLSX whose sheet1.xml (and optional sharedStrings.xml) are the given text chunks,
    deflated at the highest level."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)):
            _write(archive, name, [text])
        _write(archive, "xl/worksheets/sheet1.xml", sheet_chunks)
        _write(archive, "xl/sharedStrings.xml", shared_chunks or [
            f'<?xml version="1.0" encoding="UTF-8"?><sst {MAIN_NS} count="0" uniqueCount="0"></sst>'])
    return buffer.getvalue()


def huge_shared_string(header: list[str], row: list[str], megabytes: int) -> bytes:
    """Row 2's first cell points at one shared string of ``megabytes`` MB of "A": the
    report's 400 KB file that stored a 400 MB question."""
    def shared():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst {MAIN_NS} count="1" uniqueCount="1"><si><t>'
        block = "A" * (1024 * 1024)
        for _ in range(megabytes):
            yield block
        yield "</t></si></sst>"

    second = '<row r="2"><c r="A2" t="s"><v>0</v></c>' + inline_row(2, ["", *row])[len('<row r="2">'):]
    return workbook([SHEET_HEAD, inline_row(1, header), second, SHEET_TAIL], shared())


def many_shared_strings(header: list[str], count: int) -> bytes:
    """``count`` tiny distinct shared strings: a few MB that become millions of objects."""
    def shared():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst {MAIN_NS}>'
        for i in range(count):
            yield f"<si><t>{i}</t></si>"
        yield "</sst>"

    return workbook([SHEET_HEAD, inline_row(1, header), SHEET_TAIL], shared())


def far_row(header: list[str], row: list[str], number: int) -> bytes:
    """A header, then one row numbered ``number``: readers fill in every row between."""
    return workbook([SHEET_HEAD, inline_row(1, header), inline_row(number, row), SHEET_TAIL])


def empty_rows(header: list[str], count: int) -> bytes:
    """``count`` real, empty ``<row>`` elements (a formatted sheet) below the header."""
    def sheet():
        yield SHEET_HEAD + inline_row(1, header)
        batch = []
        for n in range(2, count + 2):
            batch.append(f'<row r="{n}"/>')
            if len(batch) == 10000:
                yield "".join(batch)
                batch = []
        yield "".join(batch) + SHEET_TAIL

    return workbook(sheet())


def wide_row(header: list[str], columns: int) -> bytes:
    """A header row, then a row whose last cell sits in column ``columns``."""
    return workbook([SHEET_HEAD, inline_row(1, header),
                     f'<row r="2"><c r="{_letters(columns - 1)}2" t="inlineStr"><is><t>x</t></is></c></row>',
                     SHEET_TAIL])


def billion_laughs(header: list[str], part: str = "sheet") -> bytes:
    """The classic entity expansion (and a DTD) in the sheet or the shared strings."""
    dtd = '<!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10)) + "]>"
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    if part == "sheet":
        sheet = [head + dtd + f"<worksheet {MAIN_NS}><sheetData>", inline_row(1, header),
                 '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>', SHEET_TAIL]
        return workbook(sheet)
    shared = [head + dtd + f'<sst {MAIN_NS}><si><t>&lol9;</t></si></sst>']
    return workbook([SHEET_HEAD, inline_row(1, header), '<row r="2"><c r="A2" t="s"><v>0</v></c></row>',
                     SHEET_TAIL], shared)


def plain_dtd(header: list[str], row: list[str]) -> bytes:
    """A harmless-looking DTD without entities (what some old exporters write)."""
    sheet = ['<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet>' + f"<worksheet {MAIN_NS}><sheetData>",
             inline_row(1, header), inline_row(2, row), SHEET_TAIL]
    return workbook(sheet)


def many_members(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(count):
            archive.writestr(f"x/{i}.xml", b"")
    return buffer.getvalue()
