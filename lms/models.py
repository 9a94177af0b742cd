"""Every model, imported in one place so that metadata and Alembic see all tables."""

from lms.audit.models import AuditEvent  # noqa: F401
from lms.auth.models import RoleAssignment, User  # noqa: F401
from lms.orgs.models import Organization  # noqa: F401
from lms.courses.models import Assignment, Course, Enrollment, Lesson, LessonFeedback, LessonProgress  # noqa: F401
from lms.quizzes.models import Attempt, AttemptAnswer, Question, QuestionBank, QuestionVersion, Regrade  # noqa: F401
