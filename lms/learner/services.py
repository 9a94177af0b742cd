"""The learner's home page, gathered from the areas that own each part: courses (assigned
and begun, with due dates, progress and the next step), quizzes (recent results),
certificates and contests. Plain Python: no request, no rendering.

This area sits above the others and imports them; none of them imports it (the core's home
view does, at request time), so the layering stays one way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lms.certificates import services as certificate_services
from lms.contests.services import OpenContest, contests_open_to
from lms.core.timeutil import to_vn, utcnow
from lms.courses.services import HomeCourse, home_courses
from lms.quizzes.services import RecentResult, recent_results

RECENT_RESULTS = 5


@dataclass
class LearnerHome:
    """What a signed-in person's home shows of her learning. Each list may be empty."""

    courses: list[HomeCourse] = field(default_factory=list)
    results: list[RecentResult] = field(default_factory=list)
    certificates: list = field(default_factory=list)  # lms.certificates.models.Certificate, newest first
    contests: list[OpenContest] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing to show: no course assigned or begun, no result, certificate or contest."""
        return not (self.courses or self.results or self.certificates or self.contests)


def learner_home(user, now: datetime | None = None) -> LearnerHome:
    """Everything the home shows ``user`` at ``now`` (naive UTC; due dates are read on the
    Vietnam calendar day of that moment, as the teacher's report reads them)."""
    now = now or utcnow()
    return LearnerHome(
        courses=home_courses(user, to_vn(now).date()),
        results=recent_results(user, RECENT_RESULTS, now),
        certificates=certificate_services.certificates_of(user),
        contests=contests_open_to(user, now),
    )
