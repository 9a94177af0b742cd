"""Static files are named by their content, cached for a year and sent compressed; pages of
signed-in people stay uncompressed (BREACH)."""

import gzip
import hashlib
import re
from pathlib import Path

import brotli

from tests.conftest import login

STATIC = Path(__file__).resolve().parents[2] / "lms" / "static"
LINK_RE = re.compile(r'href="(/static/css/site\.css\?v=([0-9a-f]+))"')


def _site_css_link(client) -> tuple[str, str]:
    match = LINK_RE.search(client.get("/").get_data(as_text=True))
    assert match, "the home page links site.css with a version"
    return match.group(1), match.group(2)


def test_links_name_each_file_by_its_own_content_hash(client):
    link, version = _site_css_link(client)
    assert version == hashlib.sha256((STATIC / "css" / "site.css").read_bytes()).hexdigest()[:12]
    # Another file gets its own hash, so changing one file does not expire the others.
    html = client.get("/login").get_data(as_text=True)
    assert link in html


def test_a_hashed_link_is_cached_for_a_year_and_a_stale_one_is_revalidated(client):
    link, version = _site_css_link(client)
    fresh = client.get(link)
    assert fresh.status_code == 200
    assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = client.get("/static/css/site.css?v=000000000000")
    assert stale.status_code == 200
    assert stale.headers["Cache-Control"] == "no-cache"
    bare = client.get("/static/css/site.css")
    assert bare.headers["Cache-Control"] == "no-cache"


def test_static_text_travels_compressed_with_brotli_or_gzip(client):
    link, _ = _site_css_link(client)
    original = (STATIC / "css" / "site.css").read_bytes()
    br = client.get(link, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.get_data()) == original
    assert int(br.headers["Content-Length"]) < len(original) / 2
    gz = client.get(link, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.get_data()) == original
    plain = client.get(link)
    assert "Content-Encoding" not in plain.headers
    assert plain.get_data() == original


def test_a_repeat_visit_with_the_etag_costs_no_body(client):
    link, _ = _site_css_link(client)
    first = client.get(link, headers={"Accept-Encoding": "br"})
    again = client.get(link, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_pages_are_compressed_for_visitors_but_not_for_signed_in_people(client, make_user):
    anonymous = client.get("/courses/", headers={"Accept-Encoding": "br"})
    assert anonymous.status_code == 200
    assert anonymous.headers.get("Content-Encoding") == "br"
    make_user("hs.nen", kind="student")
    login(client, "hs.nen")
    signed_in = client.get("/courses/", headers={"Accept-Encoding": "br"})
    assert signed_in.status_code == 200
    # The page carries the session's CSRF token: compressing it would let BREACH read it.
    assert "Content-Encoding" not in signed_in.headers
    assert "csrf_token" in signed_in.get_data(as_text=True)
