"""The real-world input files of ../shared/fixtures (Moodle's conformance files and the public
cases), which CI checks out beside the repository; tests read them in place, never copies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def shared_fixture(*parts: str) -> Path:
    """The path of ``shared/fixtures/<parts>``. Missing: the test fails in CI (where shared/ is
    always beside the repository) and is skipped elsewhere."""
    path = SHARED_FIXTURES.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI checks out shared/ beside the repository")
        pytest.skip(f"{path} is not present (shared/ is beside the repository in CI)")
    return path


def public_case(name: str) -> Path:
    """``shared/fixtures/public-cases/<name>``."""
    return shared_fixture("public-cases", name)


def xlsx_with_formats(rows: list[list]) -> bytes:
    """An .xlsx as Excel saves one: each item of ``rows`` is a value or a (value, number
    format) pair, so a test can give a cell the type and format Excel gave it ("dd/mm", "0%")."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for r, row in enumerate(rows, 1):
        for c, item in enumerate(row, 1):
            value, code = item if isinstance(item, tuple) else (item, None)
            cell = sheet.cell(row=r, column=c, value=value)
            if code:
                cell.number_format = code
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
