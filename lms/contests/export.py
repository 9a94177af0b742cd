"""The organiser's official report: every participant in every round, with every ranking field,
written as a streamed XLSX (write-only mode keeps memory flat)."""

from __future__ import annotations

import os
from typing import BinaryIO

from openpyxl.styles import Font
from sqlalchemy import select

from lms.contests import rounds
from lms.contests.models import Contest, Registration
from lms.core.cells import append_styled, new_workbook, save_workbook
from lms.core.timeutil import to_vn
from lms.extensions import db
from lms.orgs.models import Organization

HEADERS = ["Vòng thi", "Hạng", "Đồng hạng", "Họ và tên", "Ngày sinh", "Số điện thoại", "Đơn vị", "Trường", "Lớp",
           "Điểm (%)", "Dự đoán", "Chênh lệch dự đoán", "Thời gian làm bài (giây)", "Thời điểm nộp (giờ Việt Nam)",
           "Nghi trùng đăng ký"]


def export_contest_xlsx(contest: Contest, target: str | os.PathLike | BinaryIO) -> int:
    """Write the report to a path (whole or not at all, mode 0600) or a binary file; returns
    the number of data rows.  Names and other typed text go through ``lms.core.cells``."""
    registrations = {r.id: r for r in db.session.scalars(select(Registration).where(Registration.contest_id == contest.id))}
    org_names = dict(db.session.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_({r.org_id for r in registrations.values() if r.org_id}))).all()) if registrations else {}
    workbook = new_workbook()
    sheet = workbook.create_sheet("Kết quả")
    sheet.freeze_panes = "A2"
    append_styled(sheet, HEADERS, font=Font(bold=True))
    rows = 0
    try:
        for round_ in contest.rounds:
            board = rounds.leaderboard(round_, full=True)
            ranked_ids = set()
            for r in board.rows:
                reg = registrations[r.entry.participant_id]
                ranked_ids.add(reg.id)
                distance = (abs(r.entry.prediction - round_.tiebreaker_answer)
                            if r.entry.prediction is not None and round_.tiebreaker_answer is not None else None)
                sheet.append([round_.title, r.rank, "x" if r.tied else "", reg.full_name, reg.date_of_birth, reg.phone,
                              org_names.get(reg.org_id, reg.unit_name), reg.school, reg.class_name, r.entry.score,
                              r.entry.prediction, distance, round(r.entry.seconds_taken, 1),
                              to_vn(r.entry.submitted_at), "x" if reg.duplicate_of_id else ""])
                rows += 1
            for reg in registrations.values():  # registered but no result: still in the report
                if reg.id not in ranked_ids:
                    sheet.append([round_.title, None, "", reg.full_name, reg.date_of_birth, reg.phone,
                                  org_names.get(reg.org_id, reg.unit_name), reg.school, reg.class_name, None, None, None,
                                  None, None, "x" if reg.duplicate_of_id else ""])
                    rows += 1
    except BaseException:
        workbook.discard()
        raise
    save_workbook(workbook, target)
    return rows
