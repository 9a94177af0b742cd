"""Addresses that leave the site: QR codes printed on certificates, links in documents.

Behind a reverse proxy the address a request arrives at can be an internal one
(``http://10.0.0.5:8000/``), and a printed QR code cannot be corrected later. So the configured
public address (LMS_PUBLIC_BASE_URL) always wins; without it, the site the person is using.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for

DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def public_base_url(fallback: str | None = None) -> str:
    """PUBLIC_BASE_URL, else ``fallback``, else the current request's site, else the
    development server's address; without a trailing slash."""
    base = current_app.config.get("PUBLIC_BASE_URL") or fallback
    if not base and has_request_context():
        base = request.url_root
    return (base or DEVELOPMENT_BASE_URL).rstrip("/")


def public_url(path: str, fallback: str | None = None) -> str:
    """The public address of ``path`` (relative to the site's root, e.g. ``/verify/CODE``)."""
    return f"{public_base_url(fallback)}/{path.lstrip('/')}"


def public_url_for(endpoint: str, **values) -> str:
    """``url_for`` for addresses that leave the site: the public address, never ``_external``."""
    path = url_for(endpoint, **values)
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root):
        path = path[len(root):]  # the base URL already ends with the site's prefix, if any
    return public_url(path)
