"""Page weight on the wire: what a phone downloads for a page on a first and a repeat visit.

    .venv/bin/python bench/page_weight.py BASE_URL [BASE_URL ...] [--user NAME --password PW]

For each running site (e.g. the previous and the current code, each started with ``lms demo``
data), fetches a few pages as a visitor and as a signed-in learner the way Chromium asks for
them (``Accept-Encoding: gzip, deflate, br``), then every stylesheet and script each page links.
It prints, per page: the HTML bytes on the wire, the linked files' bytes on the wire, and the
requests a repeat visit costs (the page, plus one revalidation for each linked file sent
``no-cache``; files the phone may keep cost none).
Figures are bytes as sent (compressed when the server compressed them), measured side by side.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import urllib.error
import urllib.request
from urllib.parse import urljoin

PAGES = ["/", "/courses/", "/courses/su-dung-dich-vu-cong-truc-tuyen/", "/login"]
ASSET_RE = re.compile(r'(?:href|src)="(/static/[^"]+)"')
IMG_RE = re.compile(r'<img[^>]+src="([^"]+)"')
# Illustrated lessons (issue 19): the page, and the pictures it shows, as a phone fetches them.
LESSONS = ["/courses/su-dung-dich-vu-cong-truc-tuyen/tim-thu-tuc-va-nop-ho-so",
           "/courses/nhan-biet-lua-dao-truc-tuyen/gia-mao-ngan-hang-va-otp",
           "/courses/an-toan-du-lieu-ca-nhan/chia-se-giay-to"]
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
HEADERS = {"Accept-Encoding": "gzip, deflate, br", "User-Agent": "page-weight-bench"}


def fetch(opener, url: str, data: bytes | None = None):
    request = urllib.request.Request(url, data=data, headers=HEADERS)
    with opener.open(request) as response:
        return response.status, dict(response.headers), response.read()


def first_lesson(opener, base: str) -> str | None:
    _, headers, body = fetch(opener, base + "/courses/su-dung-dich-vu-cong-truc-tuyen/")
    html = _text(body, headers)
    match = re.search(r'href="(/courses/su-dung-dich-vu-cong-truc-tuyen/[^"/]+/?)"', html)
    return match.group(1) if match else None


def _text(body: bytes, headers: dict) -> str:
    encoding = headers.get("Content-Encoding", "")
    if encoding == "br":
        import brotli

        body = brotli.decompress(body)
    elif encoding == "gzip":
        import gzip

        body = gzip.decompress(body)
    return body.decode("utf-8", "replace")


def measure(opener, base: str, path: str) -> dict:
    _, headers, body = fetch(opener, base + path)
    html = _text(body, headers)
    assets = sorted(set(ASSET_RE.findall(html)))
    first = 0
    round_trips = 1  # the page itself
    for asset in assets:
        _, ah, ab = fetch(opener, urljoin(base, asset))
        first += len(ab)
        cache = ah.get("Cache-Control", "")
        if "max-age" not in cache or "max-age=0" in cache:
            round_trips += 1  # no-cache: the phone must ask again (a 304 at best)
    return {"path": path, "html": len(body), "html_encoding": headers.get("Content-Encoding", "-"),
            "assets": first, "asset_count": len(assets), "round_trips": round_trips,
            "asset_cache": ",".join(sorted({fetch(opener, urljoin(base, a))[1].get("Cache-Control", "-")
                                             for a in assets})) or "-"}


def pictures(opener, base: str, path: str) -> tuple[int, int, int, str]:
    """(HTML bytes, picture count, picture bytes on the wire, encodings) of a lesson page."""
    _, headers, body = fetch(opener, base + path)
    html = _text(body, headers)
    total, encodings = 0, set()
    sources = IMG_RE.findall(html)
    for src in sources:
        _, ph, pb = fetch(opener, urljoin(base + path, src))
        total += len(pb)
        encodings.add(ph.get("Content-Encoding", "-"))
    return len(body), len(sources), total, ",".join(sorted(encodings)) or "-"


def sign_in(opener, base: str, user: str, password: str) -> None:
    _, headers, body = fetch(opener, base + "/login")
    token = CSRF_RE.search(_text(body, headers)).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "username": user, "password": password}).encode()
    fetch(opener, base + "/login", form)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bases", nargs="+")
    parser.add_argument("--user", default="hs.an")
    parser.add_argument("--password", default="demo-dvc-2026")
    args = parser.parse_args()
    print(f"{'site':28} {'who':9} {'page':52} {'HTML B':>7} {'enc':>4} {'files B':>8} {'repeat trips':>12}  file cache")
    for base in args.bases:
        for who in ("visitor", "learner"):
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            if who == "learner":
                sign_in(opener, base, args.user, args.password)
            pages = list(PAGES)
            lesson = first_lesson(opener, base)
            if lesson:
                pages.append(lesson)
            for path in pages:
                if who == "learner" and path == "/login":
                    continue
                m = measure(opener, base, path)
                print(f"{base:28} {who:9} {m['path'][:52]:52} {m['html']:7} {m['html_encoding']:>4} "
                      f"{m['assets']:8} {m['round_trips']:12}  {m['asset_cache']}")
    print()
    print(f"{'site':28} {'lesson':64} {'HTML B':>7} {'pictures':>8} {'pictures B':>10}  enc")
    for base in args.bases:
        opener = urllib.request.build_opener()
        for path in LESSONS:
            try:
                html, count, size, enc = pictures(opener, base, path)
            except urllib.error.HTTPError as err:
                print(f"{base:28} {path[:64]:64} {err.code}")
                continue
            print(f"{base:28} {path[:64]:64} {html:7} {count:8} {size:10}  {enc}")


if __name__ == "__main__":
    main()
