"""The learning platform for Vietnam's online public services drive."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from flask import Flask

from lms.config import CONFIGS, Config

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Each area registers its blueprint (``bp`` in ``views``) and its CLI commands
# (``commands`` in ``cli``); listing them here keeps the factory the single place
# where the app is assembled.
BLUEPRINT_MODULES = (
    "lms.core.views",
    "lms.auth.views",
    "lms.auth.admin_views",
    "lms.orgs.views",
    "lms.orgs.join_views",
    "lms.roster.views",
    "lms.audit.views",
    "lms.privacy.views",
    "lms.courses.views",
    "lms.quizzes.views",
    "lms.quizzes.admin_views",
    "lms.certificates.views",
    "lms.contests.views",
    "lms.contests.judging_views",
    "lms.contests.organise_views",
    "lms.contests.integrity_views",
    "lms.reports.views",
    "lms.reports.api",
    "lms.reports.public_views",
    "lms.reports.token_views",
    "lms.notifications.views",
)
# Modules that connect areas through hooks.
HOOK_MODULES = ("lms.contests.rounds", "lms.contests.organise")
CLI_MODULES = (
    "lms.core.cli",
    "lms.orgs.cli",
    "lms.auth.cli",
    "lms.roster.cli",
    "lms.courses.cli",
    "lms.quizzes.cli",
    "lms.certificates.cli",
    "lms.privacy.cli",
    "lms.contests.cli",
    "lms.reports.cli",
    "lms.reports.xapi_cli",
    "lms.access.docs",
    "lms.notifications.cli",
)


def create_app(config: str | type[Config] | dict | None = None, instance_path: str | None = None) -> Flask:
    """Build an app; ``config`` is a name ("development", "testing", "production"),
    a config class, or a dict of overrides applied on top of ``LMS_CONFIG``'s class."""
    app = Flask(
        __name__,
        instance_path=instance_path or os.environ.get("LMS_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    overrides: dict = {}
    if isinstance(config, dict):
        overrides = config
        config = None
    if config is None:
        config = os.environ.get("LMS_CONFIG", "development")
    if isinstance(config, str):
        config = CONFIGS[config]
    app.config.from_object(config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(prefix="LMS")
    app.config.update(overrides)

    from lms.core.setup import configure

    configure(app)

    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
    for name in HOOK_MODULES:
        importlib.import_module(name)
    for name in CLI_MODULES:
        for command in importlib.import_module(name).commands:
            app.cli.add_command(command)
    return app
