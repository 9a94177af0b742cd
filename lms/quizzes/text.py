"""The one text format of stored questions, and conversions into and out of it.

Every text a learner reads in a question (its text, options, per-answer and general
feedback, the left side of a matching pair) is stored as Markdown, whatever format it came
in, so that one sanitised renderer shows them all and every exporter writes from one shape:

- GIFT ``[html]`` and ``[moodle]`` (Moodle's default when no marker is written, which is how
  Moodle exports) are HTML: sanitised, then converted to Markdown, so ``<p>VNeID</p>`` is
  stored as ``VNeID`` and ``<strong>`` as ``**``; in ``[moodle]`` a line break is a break.
- GIFT ``[plain]`` and Aiken are plain text: Markdown's special characters are escaped so
  they show as typed.
- GIFT ``[markdown]``, our Markdown bank files and the Excel template are Markdown already.

Texts compared with what a learner types (short-answer accepted answers) and texts shown
inside a ``<select>`` (the right side of a matching pair) are plain text, not Markdown.

Rendering treats a single newline as a line break (Moodle's rule for its own format, and
what teachers expect from a cell or a GIFT ``\\n``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import markdown
import nh3
from markdownify import markdownify
from markupsafe import Markup

from lms.courses.render import RAW_TEXT_TAG_RE, RawTextTagExtension, sanitise_html

# Characters that change how plain text renders in Python-Markdown, escaped only where they
# act, so "Covid-19" stays readable when stored: emphasis, code and links anywhere; list,
# heading and quote markers at the start of a line; "!" only before "[" (an image).
_SPECIAL = re.compile(r"([\\`*_\[\]])|!(?=\[)")
_LINE_START = re.compile(r"^(\s*)([-+#>])", re.M)
_LINE_START_NUMBER = re.compile(r"^(\s*\d+)\.(\s)", re.M)
_UNESCAPE = re.compile(r"\\([\\`*_{}\[\]()>#+\-.!])|&(lt|amp);")
# Tags kept while converting HTML: what Markdown can say. Everything else is unwrapped.
_HTML_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "a", "ul", "ol", "li", "code", "pre", "sub", "sup",
              "img", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "thead", "tbody", "tr", "th", "td"}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def html_to_markdown(raw: str, *, moodle_breaks: bool = False) -> str:
    """Markdown for an HTML fragment (GIFT ``[html]``, or ``[moodle]`` with
    ``moodle_breaks=True``: there a newline in the source is a line break, as Moodle's
    auto-format renders it). Scripts, styles and event handlers are dropped first (nh3);
    entities (``&agrave;``, ``&nbsp;``) become the characters they name, a no-break space
    an ordinary one. Returns NFC text without leading or trailing white space."""
    if raw is None:
        return ""
    text = raw
    if moodle_breaks:
        text = text.replace("\r\n", "\n").replace("\n", "<br>\n")
    text = RAW_TEXT_TAG_RE.sub(r"&lt;\1", text)
    text = nh3.clean(text, tags=_HTML_TAGS, attributes={"a": {"href"}, "img": {"src", "alt"}},
                     link_rel=None, strip_comments=True)
    converted = markdownify(text, heading_style="ATX", bullets="-", escape_misc=True, strip_document="strip")
    converted = converted.replace("\xa0", " ")
    # markdownify ends a <br> with two spaces; a plain newline is a break in our renderer.
    converted = re.sub(r"[ \t]+\n", "\n", converted)
    converted = re.sub(r"\n{3,}", "\n\n", converted)
    return _nfc(converted).strip()


def plain_to_markdown(text: str) -> str:
    """Markdown that renders exactly as ``text`` reads (Aiken, GIFT ``[plain]``): every
    character Markdown would act on is backslash-escaped. ``markdown_to_plain`` undoes it."""
    if not text:
        return ""
    # "<" and "&" are not backslash-escapable in Python-Markdown: entities keep them literal.
    escaped = _SPECIAL.sub(lambda m: "\\" + (m.group(1) or "!"), text.replace("&", "&amp;").replace("<", "&lt;"))
    escaped = _LINE_START.sub(r"\1\\\2", escaped)
    escaped = _LINE_START_NUMBER.sub(r"\1\\.\2", escaped)  # "1. " would start a list
    return _nfc(escaped)


def unescape_markdown(text: str) -> str:
    """``plain_to_markdown`` undone: backslash escapes removed, nothing else touched."""
    return _UNESCAPE.sub(lambda m: m.group(1) or {"lt": "<", "amp": "&"}[m.group(2)], text or "")


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    md = markdown.Markdown(extensions=["nl2br", "sane_lists", RawTextTagExtension()], output_format="html")
    return sanitise_html(md.convert(text))


def render_text(text: str | None, *, inline: bool = False) -> Markup:
    """Safe HTML for a stored question text (Markdown, see the module docstring). With
    ``inline`` a single paragraph loses its ``<p>`` wrapper, for an option's label or a
    legend. Versions never change, so results are cached per text."""
    if not text:
        return Markup("")
    out = _render(text)
    if inline:
        match = re.fullmatch(r"\s*<p>(.*)</p>\s*", out, re.S)
        if match and "<p>" not in match.group(1):
            out = match.group(1)
    return Markup(out)


def markdown_to_plain(text: str | None) -> str:
    """The words of a stored text without markup, for places that show plain text: a
    ``<select>``, a CSV or XLSX export column, a page title, an xAPI statement."""
    if not text:
        return ""
    stripped = nh3.clean(re.sub(r"<br>\n?", "\n", _render(text)).replace("</p>", "\n\n"), tags=set())
    return html.unescape(re.sub(r"\n{3,}", "\n\n", stripped)).strip()
