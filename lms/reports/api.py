"""JSON API for provincial dashboards (/api/v1), authenticated by organisation API tokens."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
