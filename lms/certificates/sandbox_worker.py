"""The child side of the verification sandbox (lms.certificates.sandbox): one process checks
one uploaded PDF, then exits.

Protocol, all on standard input and output (bytes):

* stdin: one line of JSON ``{"memory_mb": int, "cpu_seconds": int, "size": int,
  "keys": [PublicKey.to_json(), ...]}``, then exactly ``size`` bytes of the PDF. End of input
  before the line means "not needed": the process exits 0 without output.
* stdout: one line of JSON, ``Verdict.to_json()``; nothing else is ever written there.
* exit status 0 with that line; ``EXIT_NO_MEMORY`` when memory ran out outside the checks;
  1 on any other failure (Python's traceback on stderr). The parent reads a missing or
  unparsable line, like death by a signal (SIGKILL at its deadline, SIGXCPU or SIGXFSZ from the
  limits below), as "too_complex".

The limits are set after the libraries are imported (imports are trusted and take about a
second) and before the first byte of the document is read.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import sys
import warnings

EXIT_NO_MEMORY = 3
# The job line: some keys of a few kilobytes each. A longer line is not from our parent.
MAX_HEADER_BYTES = 1024 * 1024
# The child writes one short JSON line and at most a traceback. stdout and stderr are regular
# files in the parent's temporary folder, so RLIMIT_FSIZE bounds what it can make the parent
# read back: past it the kernel kills the child with SIGXFSZ.
MAX_OUTPUT_BYTES = 1024 * 1024
# Verdict details that mean "a bound was reached", not "this file is broken": verify_document
# reports any exception as unreadable or altered, these included. MemoryError is our
# RLIMIT_AS; PdfDecodeLimitError (pyHanko) and LimitReachedError (pypdf) are the parsers' own
# bounds on inflating streams (a flate bomb stops there before it reaches ours).
EXHAUSTED = ("MemoryError", "PdfDecodeLimitError", "LimitReachedError")


def _preload() -> None:
    """Import what verify_document imports lazily, so a worker started ahead of an upload
    spends its time budget on the document only."""
    import asn1crypto.x509  # noqa: F401
    import pyhanko.pdf_utils.reader  # noqa: F401
    import pyhanko.sign.validation  # noqa: F401
    import pyhanko.sign.validation.status  # noqa: F401
    import pyhanko_certvalidator  # noqa: F401
    import pypdf  # noqa: F401

    import lms.certificates.signing  # noqa: F401
    import lms.certificates.verify  # noqa: F401


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    """Bound this process: address space, CPU time from now on, files written, core dumps."""
    memory = int(memory_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # The CPU limit counts from process start; the imports already used some of it.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(usage.ru_utime + usage.ru_stime) + 1
    # Soft limit: SIGXCPU (terminates); a second later the hard limit sends SIGKILL.
    resource.setrlimit(resource.RLIMIT_CPU, (spent + int(cpu_seconds), spent + int(cpu_seconds) + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_OUTPUT_BYTES, MAX_OUTPUT_BYTES))
    # A core dump of a process that filled 768 MB would land on the server's disk.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> int:
    """Run one job from stdin (see the module docstring); returns the exit status."""
    # Parsers log a line per broken object; a hostile file has a hundred thousand of them.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    _preload()
    from lms.certificates.keyset import PublicKey
    from lms.certificates.verify import Verdict, verify_document

    stdin = sys.stdin.buffer
    header = stdin.readline(MAX_HEADER_BYTES)
    if not header:
        return 0
    try:
        job = json.loads(header)
        _limit(job["memory_mb"], job["cpu_seconds"])
        keys = [PublicKey.from_json(k) for k in job["keys"]]
        pdf_bytes = stdin.read(int(job["size"]))
        verdict = verify_document(pdf_bytes, keys)
        if verdict.detail.startswith(EXHAUSTED):
            verdict = Verdict("too_complex", detail=verdict.detail)
        answer = json.dumps(verdict.to_json()).encode() + b"\n"
    except MemoryError:
        return EXIT_NO_MEMORY
    except RecursionError:
        answer = json.dumps(Verdict("too_complex", detail="nesting too deep").to_json()).encode() + b"\n"
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()
    return 0


def run() -> None:
    """The child's entry point (lms.certificates.sandbox starts it): ``main`` as the exit status."""
    try:
        status = main()
    except MemoryError:
        status = EXIT_NO_MEMORY
    # Skip the interpreter's shutdown: tearing down pyHanko, SQLAlchemy and the rest takes half
    # a second, which the parent would spend waiting for the exit. Nothing is left to clean up.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
