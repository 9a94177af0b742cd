"""Every model, imported in one place so that metadata and Alembic see all tables."""

from lms.audit.models import AuditEvent  # noqa: F401
from lms.auth.models import RoleAssignment, User  # noqa: F401
from lms.certificates.models import Certificate, CertificateCounter  # noqa: F401
from lms.contests import judging_models  # noqa: F401,E402
from lms.contests.models import (  # noqa: F401
    AnswerLog,
    Award,
    Contest,
    ContestRound,
    Registration,
    RoundEntry,  # noqa: F401,E402
)
from lms.courses.models import (  # noqa: F401
    Assignment,
    Course,
    Enrollment,
    Lesson,
    LessonFeedback,
    LessonProgress,
)
from lms.notifications.models import Notification, NotificationSetting  # noqa: F401
from lms.orgs.models import Organization  # noqa: F401
from lms.quizzes.models import (  # noqa: F401
    Attempt,
    AttemptAnswer,
    Question,
    QuestionBank,
    QuestionVersion,
    Regrade,
)
from lms.reports import models as report_models  # noqa: F401,E402
