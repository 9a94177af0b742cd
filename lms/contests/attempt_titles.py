"""Contest attempts are titled by their contest and round on the quiz pages (issue 17,
fault 5: they showed the bank's slug); registered with lms.quizzes.titles."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from lms.contests.models import Contest, ContestRound
from lms.extensions import db
from lms.quizzes.titles import ROUND_TITLE_SOURCES


def contest_round_title(contest_title: str, round_title: str) -> str:
    """"Hội thi …: Vòng 1"."""
    return _("%(contest)s: %(round)s", contest=contest_title, round=round_title)


def _round_titles(round_ids: set[int]) -> dict[int, str]:
    rows = db.session.execute(select(ContestRound.id, Contest.title, ContestRound.title)
                              .join(Contest, Contest.id == ContestRound.contest_id)
                              .where(ContestRound.id.in_(round_ids)))
    return {round_id: contest_round_title(contest, title) for round_id, contest, title in rows}


if _round_titles not in ROUND_TITLE_SOURCES:
    ROUND_TITLE_SOURCES.append(_round_titles)
