"""Judged rounds: participants submit a product, judges score it on the rubric."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("judging", __name__, url_prefix="/contests")
