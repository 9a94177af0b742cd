"""A unit's join code as people pass it on: a short public link (``/j/<CODE>``) and a QR code
of that link, for a projector, a printed sheet or a Zalo message.

The link is built from the configured public address (``lms.core.urls.public_url_for``),
never from the request: it leaves the site, on paper and in other people's phones.
"""

from __future__ import annotations

import segno

from lms.core.urls import public_url_for


def join_link(join_code: str) -> str:
    """The public short link of ``join_code``, e.g. ``https://hoc.example.vn/j/K7MP2QXA``.
    Needs an app context (the route and the configured public address)."""
    return public_url_for("join.short_link", code=join_code)


def qr_svg(text: str, title: str) -> str:
    """An inline SVG (a string, no XML declaration, no size: it scales with its box) of a QR
    code holding ``text``, with ``title`` as its accessible name.

    Error correction M at least (segno raises it when the symbol has room): a code on a
    projector screen, photographed at an angle or partly in a glare, still reads. A quiet zone
    of 4 modules, the minimum of ISO/IEC 18004 §7.3.7, on a white background so the code also
    reads on a dark slide."""
    symbol = segno.make(text, error="m", micro=False)
    svg = symbol.svg_inline(scale=1, border=4, omitsize=True, title=title, svgclass="qr", light="#fff")
    return svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)
