"""Static files that a cheap phone downloads once: every link names the file's content hash,
so the file may be cached for a year, and text files travel compressed (brotli or gzip).

Why these choices:
- The hash is per file (SHA-256 of its bytes, 12 hex digits), not one version for the whole
  folder, so changing quiz.js does not make every phone fetch site.css again. A link whose
  ``v`` is not the current hash (an old page in a phone's cache) still gets the file, but with
  ``no-cache``, so a stale name never pins new content for a year.
- Compression is Flask-Compress (a well-kept library: brotli, gzip, ETag handling) rather than
  our own code. Static text files are compressed once per content hash and kept in memory.
- HTML of signed-in people is sent uncompressed: each page carries the session's CSRF token
  and some pages reflect what the visitor typed (searches), which is what the BREACH attack
  needs to read a secret from compressed sizes. Pages for visitors who are not signed in, the
  JSON API (bearer tokens never sit in a page) and static files are compressed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, g, request, session
from flask_compress import Compress

# A year, the longest lifetime caches honour (RFC 9111 §5.2.2.1 recommends no more).
IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = ("text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json",
                "text/html", "text/plain", "application/manifest+json", "text/vtt")


# Text files served from disk outside /static (lesson pictures and captions), compressed per
# request when small: a Range request for a video is never among them.
TEXT_FILES = ("image/svg+xml", "text/vtt")
TEXT_FILE_MAX = 256 * 1024


class _HashKeyedCache:
    """Compressed static bodies by (algorithm, path, content hash): bounded by the files there are."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        self._data[key] = value


def file_hashes(folder: str | Path) -> dict[str, str]:
    """``{"css/site.css": "3f2a9c01b7d4", ...}``: 12 hex digits of each file's SHA-256, keyed by
    the path relative to ``folder`` with "/" separators (as ``url_for('static', filename=...)``)."""
    root = Path(folder)
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in sorted(root.rglob("*")) if path.is_file()}


def configure_static(app: Flask) -> None:
    """Hash-named static links, their cache lifetime, and compression, on ``app``."""
    hashes = file_hashes(app.static_folder)
    app.extensions["static_hashes"] = hashes

    @app.url_defaults
    def _hash_static_links(endpoint, values):
        # Every url_for('static', ...) carries the file's own hash, whatever ``v`` a template passed.
        if endpoint == "static" and values.get("filename") in hashes:
            values["v"] = hashes[values["filename"]]

    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", list(COMPRESSIBLE))
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Static files: compressed once per content (the link's hash names the content).
    app.config.setdefault("COMPRESS_CACHE_BACKEND", _HashKeyedCache)
    app.config.setdefault("COMPRESS_CACHE_KEY", lambda req: f"{req.path}?{req.args.get('v', '')}")
    static_compress = Compress()
    static_compress.init_app(app)
    # Pages differ per request: compressed each time, never cached.
    page_compress = Compress()
    page_compress.init_app(app)
    page_compress.cache = None

    @app.after_request
    def _cache_and_compress(response):
        if request.endpoint == "static":
            filename = (request.view_args or {}).get("filename")
            if filename in hashes and request.args.get("v") == hashes[filename]:
                response.headers["Cache-Control"] = IMMUTABLE
            else:
                response.headers["Cache-Control"] = "no-cache"
            if response.status_code == 200 and response.mimetype in COMPRESSIBLE:
                # A file is sent as a stream, which Flask-Compress would only brotli-encode
                # chunk by chunk (and never gzip); these files are small, so read it whole.
                response.direct_passthrough = False
                response.make_sequence()
            return static_compress.after_request(response)
        if response.mimetype == "text/html" and _carries_session_secret():
            return response
        if (response.direct_passthrough and response.status_code == 200 and response.mimetype in TEXT_FILES
                and (response.content_length or 0) <= TEXT_FILE_MAX):
            # A drawing or caption file sent from disk (a lesson's SVG) is text that shrinks to
            # a third; it is sent as a stream, which Flask-Compress leaves alone: read it whole.
            response.direct_passthrough = False
            response.make_sequence()
        return page_compress.after_request(response)


def _carries_session_secret() -> bool:
    """Whether this page holds a secret of a signed-in session (its CSRF token)."""
    return "_user_id" in session and bool(g.get("csrf_token"))
