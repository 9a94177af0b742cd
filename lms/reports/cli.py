"""Report commands."""

from __future__ import annotations

commands: list = []
