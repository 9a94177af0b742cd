"""Hostile or broken files given to /verify and ``lms verify-certificate`` get a clear refusal
within bounded time and memory, never a 500 (issue 16, point 5; lms.certificates.sandbox).

Every file is built here from a genuine certificate or by hand; none is committed.
"""

from __future__ import annotations

import io
import os
import re
import resource
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from pypdf import PdfWriter
from sqlalchemy import select

from lms.certificates import sandbox, services
from lms.certificates.keys import public_keys
from lms.certificates.models import Certificate
from lms.certificates.render import METADATA_PREFIX
from lms.certificates.verify import verify_document
from lms.extensions import db
from tests.conftest import csrf_token

# The bound each check must meet: the sandbox's timeout plus generous room for a loaded CI
# machine (a guard against hangs, not a benchmark).
SLACK_SECONDS = 5


# --- building the files -------------------------------------------------------------------------


def _pdf(objects: list[bytes], trailer: bytes = b"/Root 1 0 R") -> bytes:
    """A PDF with ``objects`` numbered from 1, a correct classic cross-reference table, and
    ``trailer`` inside the trailer dictionary."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d " % (len(objects) + 1) + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


_PAGE_TREE = [b"<< /Type /Catalog /Pages 2 0 R >>",
              b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] >>"]


def deep_nesting(depth: int = 100_000) -> bytes:
    """A catalog holding ``depth`` arrays nested in one another: a recursive parser recurses
    once per bracket while reading the catalog, which every check does first."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R /Deep " + b"[" * depth + b"]" * depth + b" >>"
    return _pdf([catalog, *_PAGE_TREE[1:]])


def flate_bomb(streams: int = 16, each: int = 70 * 1024 * 1024) -> bytes:
    """A one-page PDF that claims to be a certificate of the first version (its Keywords start
    with the statement prefix) and draws its page from ``streams`` flate streams of ``each``
    zeros: 16 × 70 MB, 1.1 GB inflated from 1.1 MB. Each stream stays under pypdf's own bound
    on one stream (75 MB); reading the page's drawing, as the first version's check does,
    inflates them all."""
    # Run-length matching keeps building the bomb under a second; the zeros compress ~1000:1.
    packer = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    chunk = bytes(1024 * 1024)
    packed = b"".join([*(packer.compress(chunk) for _ in range(each // len(chunk))), packer.flush()])
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    first = 5
    contents = b" ".join(b"%d 0 R" % (first + i) for i in range(streams))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 841.89 595.28] /Contents [" + contents + b"] >>",
               b"<< /Keywords (" + METADATA_PREFIX.encode() + b"e30.AAAA) >>",
               *[stream] * streams]
    return _pdf(objects, trailer=b"/Root 1 0 R /Info 4 0 R")


def many_pages(count: int = 5000) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(842, 595)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bad_xref(genuine: bytes) -> bytes:
    """Every in-use cross-reference entry of every revision pointed 7 bytes off its object,
    with the length of the file unchanged."""
    def shift(match: re.Match) -> bytes:
        return b"%010d %s n" % (int(match.group(1)) + 7, match.group(2))

    return re.sub(rb"(\d{10}) (\d{5}) n", shift, genuine)


def html_page() -> bytes:
    return ("<!DOCTYPE html><html lang='vi'><head><title>Chứng nhận</title></head>"
            "<body><h1>Giấy chứng nhận hoàn thành khoá học</h1></body></html>").encode()


def zip_archive(genuine: bytes) -> bytes:
    """The genuine certificate zipped, the way a mail program packs an attachment."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("certificate.pdf", genuine)
    return out.getvalue()


@pytest.fixture
def genuine(completed) -> bytes:
    """A certificate PDF as the platform issues it to a learner."""
    return services.pdf_for(db.session.scalar(select(Certificate)))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return flate_bomb()


# name -> (build from the genuine certificate's bytes, the refusal's code)
CORPUS = {
    "truncated": (lambda g: g[: len(g) // 2], "unreadable"),
    "bad-xref": (bad_xref, "unreadable"),
    "deep-nesting": (lambda g: deep_nesting(), "too_complex"),
    "5000-pages": (lambda g: many_pages(), "not_ours"),
    "html-renamed": (lambda g: html_page(), "not_pdf"),
    "zip-renamed": (zip_archive, "not_pdf"),
    "empty": (lambda g: b"", "not_pdf"),
}
# What a citizen reads for each refusal (lms.certificates.status), in the default language.
SENTENCES = {
    "not_pdf": "Tệp này không phải văn bản PDF (có thể là trang web hoặc ảnh được đổi đuôi thành .pdf).",
    "unreadable": "Tệp PDF này bị hỏng hoặc không đầy đủ nên không đọc được. Hãy xin người được cấp tệp gốc.",
    "too_complex": "Tệp này phức tạp hơn nhiều so với bất kỳ giấy chứng nhận nào của nền tảng nên việc kiểm tra "
                   "đã dừng. Đây không phải giấy chứng nhận của nền tảng.",
    "not_ours": "Tệp PDF này không có chữ ký của nền tảng: giấy này không do nền tảng cấp.",
}


def _upload(client, data: bytes, name: str = "chungchi.pdf"):
    """POST ``data`` to /verify as a browser does; (response, seconds the POST took)."""
    token = csrf_token(client, "/verify")
    started = time.monotonic()
    page = client.post("/verify", content_type="multipart/form-data",
                       data={"csrf_token": token, "f-file": (io.BytesIO(data), name)})
    return page, time.monotonic() - started


def _bound(app) -> float:
    return app.config["CERTIFICATE_VERIFY_TIMEOUT"] + SLACK_SECONDS


def _zombie_children() -> list[int]:
    """Children of this process that exited and were never waited for (Linux /proc)."""
    zombies = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        if int(ppid) == os.getpid() and state == "Z":
            zombies.append(int(stat.parent.name))
    return zombies


def _refused_on_page(page, code: str) -> None:
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tệp PDF này không đạt kiểm tra." in html
    assert SENTENCES[code] in html


def test_a_genuine_certificate_still_passes(genuine, client, app, tmp_path):
    page, seconds = _upload(client, genuine)
    assert page.status_code == 200 and seconds < _bound(app)
    html = page.get_data(as_text=True)
    assert "Nguyễn Thị Hoà" in html and "không đạt kiểm tra" not in html
    path = tmp_path / "chungchi.pdf"
    path.write_bytes(genuine)
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["verify-certificate", str(path)])
    assert result.exit_code == 0 and "Nguyễn Thị Hoà" in result.output
    assert time.monotonic() - started < _bound(app)


@pytest.mark.parametrize("name", CORPUS)
def test_a_malformed_upload_is_refused_in_vietnamese_within_the_bound(genuine, client, app, name):
    build, code = CORPUS[name]
    page, seconds = _upload(client, build(genuine))
    _refused_on_page(page, code)
    assert seconds < _bound(app)
    assert not _zombie_children()


@pytest.mark.parametrize("name", CORPUS)
def test_the_command_refuses_a_malformed_file_with_its_reason(genuine, app, tmp_path, name):
    build, code = CORPUS[name]
    path = tmp_path / "chungchi.pdf"
    path.write_bytes(build(genuine))
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["verify-certificate", str(path)])
    assert time.monotonic() - started < _bound(app)
    assert result.exit_code == 1
    assert SENTENCES[code] in result.output


def test_a_flate_bomb_is_refused_and_never_inflated_in_the_server_process(client, app, tmp_path, bomb):
    # In the server process pypdf would inflate 140 MB of it (two streams) before its own bound
    # stopped it, and the page drawing built from it would be held twice over.
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    page, seconds = _upload(client, bomb)
    _refused_on_page(page, "too_complex")
    assert seconds < _bound(app)
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb)
    result = app.test_cli_runner().invoke(args=["verify-certificate", str(path)])
    assert result.exit_code == 1 and SENTENCES["too_complex"] in result.output
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mb < 100
    assert not _zombie_children()


def test_a_check_past_its_time_is_stopped_and_its_process_reaped(genuine, client, app):
    # Starting a checker alone takes longer than this bound, so the deadline passes whatever
    # the file, and what happens then is what a slow hostile file gets.
    app.config["CERTIFICATE_VERIFY_TIMEOUT"] = 0.2
    page, seconds = _upload(client, genuine)
    _refused_on_page(page, "too_complex")
    assert seconds < 0.2 + SLACK_SECONDS
    started = time.monotonic()
    verdict = sandbox.verify_bounded(genuine, public_keys(), timeout=0.2)
    assert verdict.code == "too_complex" and "stopped after 0.2 s" in verdict.detail
    assert time.monotonic() - started < 0.2 + SLACK_SECONDS
    assert not _zombie_children()


def test_a_checker_out_of_memory_answers_too_complex(genuine, app):
    # A bound below what the checker's interpreter already holds: its next allocation fails.
    verdict = sandbox.verify_bounded(genuine, public_keys(), memory_mb=20)
    assert verdict.code == "too_complex"
    assert not _zombie_children()


def test_the_checker_answers_as_the_parser_does_in_process(genuine):
    # The sandbox changes where the check runs, not its outcome.
    keys = public_keys()
    for data in (genuine, genuine[: len(genuine) // 2], deep_nesting(), many_pages(50)):
        assert sandbox.verify_bounded(data, keys).code == verify_document(data, keys).code


def test_the_command_refuses_a_file_over_the_upload_bound_without_parsing_it(app, tmp_path):
    path = tmp_path / "lon.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(sandbox.MAX_DOCUMENT_BYTES))
    result = app.test_cli_runner().invoke(args=["verify-certificate", str(path)])
    assert result.exit_code == 1
    assert "Tệp lớn hơn 5 MB: đây không phải chứng nhận do hệ thống cấp." in result.output
