"""Addresses that leave the site: QR codes printed on certificates, badges, ``/issuer``, login
slips, leaflets, xAPI ids, links shown to be copied elsewhere.

They are never built from the request (its root URL or Host, ``url_for`` with ``_external``):
the ``Host`` header is chosen by the client, so a forged one would end up in a
printed QR code or a signed badge (OWASP Host header injection; issue 14, fault 10), and behind a
reverse proxy the address a request arrives at can be an internal one (``http://10.0.0.5:8000/``).
The one source is LMS_PUBLIC_BASE_URL; production refuses to start without it
(:func:`lms.core.setup.configure_public_address`). Without it (development, tests) the address
is the configured SERVER_NAME's, else the development server's.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for

DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def public_base_url(fallback: str | None = None) -> str:
    """The site's public address without a trailing slash, e.g. ``https://hoc.example.vn``.

    PUBLIC_BASE_URL, else ``fallback`` (an address an operator gave, e.g. ``--site``; never one
    read from a request), else ``{PREFERRED_URL_SCHEME}://{SERVER_NAME}{APPLICATION_ROOT}`` when
    SERVER_NAME is configured, else :data:`DEVELOPMENT_BASE_URL`.
    """
    config = current_app.config
    base = config.get("PUBLIC_BASE_URL") or fallback
    if not base and config.get("SERVER_NAME"):
        root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
        base = f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}{root}"
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


def public_host(base_url: str) -> str:
    """The host name of ``base_url`` without port, for Flask's TRUSTED_HOSTS.

    Raises ValueError when ``base_url`` is not an absolute http(s) address."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(base_url)
    return parts.hostname
