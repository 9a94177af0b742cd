"""Small guards used by several views."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    """Only same-site paths: a crafted ?next= must not send a learner to a phishing site."""
    if not target:
        return None
    target = target.strip().replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


NUL = "\x00"


def holds_nul(value) -> bool:
    """True when ``value`` (a str, or dicts/lists of them as parsed from JSON) contains U+0000."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    return False


def refuse_nul_bytes():
    """Before every request: answer 400 when the path, a query or form field (name or value),
    an uploaded file's name or a JSON value contains a NUL character (U+0000).

    PostgreSQL text cannot store U+0000 (it raises on the query, a 500), no field of this site
    accepts it, and C-based consumers (file names, XLSX) truncate at it; refusing it once here
    closes the whole kind instead of guarding every query (OWASP Input Validation Cheat Sheet:
    reject control characters at the trust boundary). Returns None when the request is clean.
    """
    from flask import render_template, request
    from flask_babel import gettext as _

    # Every value of a repeated field: MultiDict.values() gives only the first of each name.
    values = [request.path, *(v for key, vs in request.args.lists() for v in (key, *vs))]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [v for key, vs in request.form.lists() for v in (key, *vs)]
        values += [f.filename or "" for _key, fs in request.files.lists() for f in fs]
    if any(NUL in v for v in values) or (request.is_json and holds_nul(request.get_json(silent=True))):
        if request.path.startswith("/api/"):
            from lms.core.views import api_error

            return api_error(400, "A parameter contains a NUL character (U+0000), which no field accepts.")
        return render_template(
            "core/error.html", code=400, title=_("Bad request"),
            message=_("The request contains a NUL character (U+0000), which no field accepts. "
                      "Remove it and try again.")), 400
    return None
