"""Verification of uploaded PDFs inside bounds of time and memory (issue 16, point 5).

Anyone may upload a file at /verify, and ``lms verify-certificate`` checks whatever it is
given, so the PDF parsers (pyHanko, pypdf) read hostile input: a flate bomb inflates a few
megabytes into gigabytes, a hundred thousand nested arrays recurse, a broken cross-reference
sends the reader scanning. ``verify_bounded`` therefore runs ``verify_document`` in a child
process (lms.certificates.sandbox_worker) and answers ``too_complex`` when the child runs out
of its bounds:

* wall time ``CERTIFICATE_VERIFY_TIMEOUT`` seconds (default 10) from handing the document
  over, starting the child included when none was ready: at the deadline it gets SIGKILL;
* address space ``CERTIFICATE_VERIFY_MEMORY_MB`` (default 768, RLIMIT_AS): an allocation past
  it fails with MemoryError inside the child;
* CPU time (RLIMIT_CPU, the timeout plus a second), files written (RLIMIT_FSIZE, 1 MB: its
  output), no core dumps; these still hold if this process dies and leaves the child behind.

Why a fresh interpreter per document (``subprocess`` running ``sys.executable -I``), rather
than ``multiprocessing`` or a thread:

* Nothing crosses from the server process but the bytes we send: no inherited locks, database
  connections, open sockets or threads (``fork`` of a threaded gunicorn worker can deadlock in
  the child), and the environment is empty (no LMS_SECRET_KEY or database URL for a parser
  bug to read; ``-I`` also ignores PYTHON* variables and the user's site-packages). A
  ``forkserver`` child would inherit the server's environment, and a forked child its memory.
* Whatever the child does (MemoryError, a crash of C code on a hostile file, a hang), the
  parent only sees an exit status and a short file: it never parses the document itself, so
  its own memory does not grow with the file.
* ``communicate(timeout=...)`` writes the document without blocking past the deadline; the
  child is then killed and always waited for (``_Worker.finish``), so no zombie is left, under
  gunicorn (whose workers reset SIGCHLD to the default) and in the CLI alike. Its stdout and
  stderr are unlinked temporary files, so a child that writes too much is stopped by
  RLIMIT_FSIZE instead of filling the parent's memory through a pipe.

The price is start-up: the child imports pyHanko and pypdf (verification imports neither
Flask's database layer nor ReportLab: lms.certificates.keyset and .statement are pure for
this). Measured on the development machine (2 CPUs), a genuine certificate, median of 6:
11 ms in-process, 600 ms in a fresh child. A spare child started ahead of the next upload
answered in 33 ms but held about 110 MB per server process all the time; verifying an upload
is rare next to everything else a server does, so each check starts its own child.

The child is ``sys.executable``: the Python interpreter under gunicorn and the ``lms``
command (an embedding server such as uWSGI would need its own path here). The sandbox bounds
resources; it is not a security boundary against a parser that could be made to run code:
the child runs as the same user and could read the instance folder.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from flask import current_app, has_app_context

import lms
from lms.certificates.keyset import PublicKey
from lms.certificates.sandbox_worker import EXIT_NO_MEMORY, MAX_OUTPUT_BYTES
from lms.certificates.verify import OUTCOMES, Verdict
from lms.core.files import private_temp_file

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 768
# The upload bound of /verify (lms.certificates.views), applied to the CLI as well: our
# largest document, an award document of a few hundred pages, is far below it.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# PDF readers accept the header anywhere in the first 1024 bytes (Acrobat's rule; ISO 32000
# wants it at byte 0), and so does verify_document.
HEAD_BYTES = 1024

# The directory holding the ``lms`` package this process runs, so the child imports the same
# code (a checkout, a worktree or site-packages) although ``-I`` drops PYTHONPATH.
_ROOT = str(Path(lms.__file__).resolve().parent.parent)
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from lms.certificates.sandbox_worker import run; run()"
# Python coerces the C locale to UTF-8 itself (PEP 538); the protocol is bytes anyway.
_ENV: dict[str, str] = {}


class _Worker:
    """One child process, started now, checking one document when given it."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.out = private_temp_file()
        self.err = private_temp_file()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, _ROOT], stdin=subprocess.PIPE, stdout=self.out,
                stderr=self.err, env=_ENV, cwd="/", close_fds=True)
        except BaseException:
            self.out.close()
            self.err.close()
            raise

    def check(self, job: bytes, timeout: float) -> tuple[int | None, bytes, bytes]:
        """Send ``job`` and wait at most ``timeout`` seconds: (exit status, None when it was
        killed at the deadline; its stdout; the end of its stderr)."""
        timed_out = False
        try:
            try:
                self.proc.communicate(job, timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                # Also on KeyboardInterrupt in the CLI: the child never outlives the call.
                self.finish()
            self.out.seek(0)
            out = self.out.read(MAX_OUTPUT_BYTES)
            self.err.seek(0)
            err = self.err.read(MAX_OUTPUT_BYTES)[-500:]
        finally:
            self.out.close()
            self.err.close()
        return (None if timed_out else self.proc.returncode), out, err

    def finish(self) -> None:
        """Kill the child if it still runs and reap it (no zombie)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass



def _bounds(timeout: float | None, memory_mb: int | None) -> tuple[float, int]:
    config = current_app.config if has_app_context() else {}
    if timeout is None:
        timeout = float(config.get("CERTIFICATE_VERIFY_TIMEOUT") or DEFAULT_TIMEOUT)
    if memory_mb is None:
        memory_mb = int(config.get("CERTIFICATE_VERIFY_MEMORY_MB") or DEFAULT_MEMORY_MB)
    return timeout, memory_mb


def precheck(pdf_bytes: bytes) -> Verdict | None:
    """The refusals that need no parser: empty, not a PDF header (HTML, a zip, an image renamed
    .pdf), over the size bound. None when the file has to be parsed."""
    if not pdf_bytes or b"%PDF-" not in pdf_bytes[:HEAD_BYTES]:
        return Verdict("not_pdf")
    if len(pdf_bytes) > MAX_DOCUMENT_BYTES:
        return Verdict("too_large", detail=f"{len(pdf_bytes)} bytes")
    return None


def verify_bounded(pdf_bytes: bytes, keys: list[PublicKey], *, timeout: float | None = None,
                   memory_mb: int | None = None) -> Verdict:
    """``verify_document`` with its time and memory bounded; a file that exceeds them gets
    Verdict("too_complex"). Never raises on the file's content.

    ``timeout`` (seconds, wall clock) and ``memory_mb`` (address space of the child) default
    to the app's CERTIFICATE_VERIFY_TIMEOUT and CERTIFICATE_VERIFY_MEMORY_MB (lms.config),
    or 10 s and 768 MB outside an app. Raises OSError only when no child process can be
    started (a fault of the server, not of the file).
    """
    early = precheck(pdf_bytes)
    if early is not None:
        return early
    timeout, memory_mb = _bounds(timeout, memory_mb)
    header = {"memory_mb": memory_mb, "cpu_seconds": int(timeout) + 1, "size": len(pdf_bytes),
              "keys": [key.to_json() for key in keys]}
    job = json.dumps(header).encode() + b"\n" + pdf_bytes
    status, out, err = _Worker().check(job, timeout)
    return _read_answer(status, out, err, timeout)


def _read_answer(status: int | None, out: bytes, err: bytes, timeout: float) -> Verdict:
    """The child's verdict, or too_complex for a child that was killed, ran out of memory, or
    answered something that is not a verdict."""
    if status is None:
        log.warning("certificate check stopped after %.1f s", timeout)
        return Verdict("too_complex", detail=f"stopped after {timeout:g} s")
    if status == EXIT_NO_MEMORY:
        return Verdict("too_complex", detail="out of memory")
    if status < 0:
        return Verdict("too_complex", detail=f"checker killed by signal {-status}")
    try:
        verdict = Verdict.from_json(json.loads(out))
    except (ValueError, KeyError, TypeError):
        verdict = None
    if status != 0 or verdict is None or verdict.code not in OUTCOMES:
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
        log.warning("certificate checker failed (exit %s): %s", status, tail[0])
        return Verdict("too_complex", detail=f"checker failed (exit {status}): {tail[0]}"[:300])
    return verdict
