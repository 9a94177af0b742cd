"""The organiser's official report: every participant in every round, with every ranking field,
written as a streamed XLSX (write-only mode keeps memory flat)."""

from __future__ import annotations

import os
from typing import BinaryIO

from openpyxl.styles import Font
from sqlalchemy import select

from lms.contests import rounds
from lms.contests.models import Contest, Registration
from lms.contests.ranking import unit_label
from lms.core.cells import append_styled, new_workbook, save_workbook
from lms.core.timeutil import to_vn
from lms.extensions import db
from lms.orgs.models import Organization

HEADERS = ["Vòng thi", "Hạng", "Đồng hạng", "Xếp sau hàng trên do", "Họ và tên", "Ngày sinh", "Số điện thoại",
           "Đơn vị", "Đơn vị (tên ngắn)", "Trường", "Lớp", "Điểm (%)", "Dự đoán", "Chênh lệch dự đoán",
           "Thời gian làm bài (giây)", "Thời điểm nộp (giờ Việt Nam)", "Nghi trùng đăng ký"]

#: Which key decided a row against the row above (``ranking.deciding_part``), as the report says it.
DECIDED_BY = {"score": "Điểm", "prediction": "Dự đoán", "time": "Thời gian làm bài", "submitted": "Thời điểm nộp",
              "tie": "Đồng hạng", "": None}


def export_contest_xlsx(contest: Contest, target: str | os.PathLike | BinaryIO) -> int:
    """Write the report to a path (whole or not at all, mode 0600) or a binary file; returns
    the number of data rows.  Every value is written at the precision the ranking compares
    (score to 0.01, time to 0.1 s cut off, submission to the second), so each row shows why it
    stands below the one above; the column after "Đồng hạng" names the key that decided.
    Names and other typed text go through ``lms.core.cells``."""
    registrations = {r.id: r for r in db.session.scalars(select(Registration).where(Registration.contest_id == contest.id))}
    orgs = {o.id: o for o in db.session.scalars(select(Organization).where(
        Organization.id.in_({r.org_id for r in registrations.values() if r.org_id})))} if registrations else {}
    parents = {o.id: o for o in db.session.scalars(select(Organization).where(
        Organization.id.in_({o.parent_id for o in orgs.values() if o.kind == "class" and o.parent_id})))} if orgs else {}
    workbook = new_workbook()
    sheet = workbook.create_sheet("Kết quả")
    sheet.freeze_panes = "A2"
    append_styled(sheet, HEADERS, font=Font(bold=True))
    rows = 0

    def person(reg: Registration) -> list:
        org = orgs.get(reg.org_id)
        parent = parents.get(org.parent_id) if org is not None and org.kind == "class" else None
        short = unit_label(org.short_name if org else None, org.name if org else None, reg.unit_name, reg.school,
                           (parent.short_name or parent.name) if parent else None)
        return [reg.full_name, reg.date_of_birth, reg.phone, org.name if org else reg.unit_name, short, reg.school,
                reg.class_name]

    try:
        for round_ in contest.rounds:
            ranked_ids = set()
            for r in rounds.ranked_rows(round_):
                reg = registrations[r.registration_id]
                ranked_ids.add(reg.id)
                distance = (abs(r.prediction - round_.tiebreaker_answer)
                            if r.prediction is not None and round_.tiebreaker_answer is not None else None)
                submitted = to_vn(r.submitted_at).replace(microsecond=0) if r.submitted_at else None
                sheet.append([round_.title, r.rank, "x" if r.tied else "", DECIDED_BY[r.decided_by], *person(reg),
                              r.score, r.prediction, distance, r.seconds, submitted,
                              "x" if reg.duplicate_of_id else ""])
                rows += 1
            for reg in registrations.values():  # registered but no result: still in the report
                if reg.id not in ranked_ids:
                    sheet.append([round_.title, None, "", None, *person(reg), None, None, None, None, None,
                                  "x" if reg.duplicate_of_id else ""])
                    rows += 1
    except BaseException:
        workbook.discard()
        raise
    save_workbook(workbook, target)
    return rows
