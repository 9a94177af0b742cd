"""The monthly public ranking: no login, no personal data."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public_ranking", __name__, url_prefix="/ranking")
