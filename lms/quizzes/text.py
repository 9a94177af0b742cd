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
from markdownify import MarkdownConverter
from markupsafe import Markup

from lms.core.text import drop_invisible
from lms.courses.render import RAW_TEXT_TAG_RE, RawTextTagExtension, sanitise_html

# Python-Markdown's backslash-escapable characters (markdown.Markdown.ESCAPED_CHARS).
_ESCAPABLE = r"\\`*_{}\[\]()>#+\-.!"
_UNESCAPE = re.compile(r"\\([" + _ESCAPABLE + r"])|&(lt|amp|#61|#32|#9);")
# Plain text is escaped only where Python-Markdown would act on it, so what is stored reads
# as typed ("Covid-19", "2 * 3", "snake_case", "a < b", "AT&T" stay as they are):
_BACKSLASH = re.compile(r"\\(?=[" + _ESCAPABLE + r"]|\s*$)")     # "\*" would hide the "*"
_EMPHASIS_RUN = re.compile(r"\*+|_+")                              # may open or close emphasis
_ENTITY = re.compile(r"&(?=#[0-9]|#[xX][0-9a-fA-F]|[a-zA-Z0-9]+;)")  # "&amp;" kept as typed
_TAG_START = re.compile(r"<(?=\S)")                                 # a tag, comment or autolink
_BLOCK_MARK = re.compile(r"^([ \t]*)(#|>|[-+*](?=[ \t])|\d+\.(?=[ \t]))", re.M)  # heading, quote, list
# In an HTML text node the space after a marker may come from the next node: "+<b> a</b>".
_BLOCK_MARK_FRAGMENT = re.compile(r"^([ \t]*)(#|>|[-+*](?=\s|$)|\d+\.(?=\s|$))", re.M)
_RULE_LINE = re.compile(r"^([ \t]*)([-*_])(?=(?:[ \t]*\2){2,}[ \t]*$)", re.M)   # "---" is a rule
_SETEXT_LINE = re.compile(r"([ \t]*)([-=])\2*[ \t]*")                          # "a\n===" a heading
_CODE_INDENT = re.compile(r"^(\t|[ ](?=[ ]{0,2}\t|[ ]{3}))(?=[ \t]*\S)", re.M)    # four columns: code
_NBSP = re.compile(r"&nbsp;|&#160;|&#x0*a0;|\xa0", re.I)
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|<br\s*/?>)*</p>")
_EMPTY_EMPHASIS = re.compile(r"<(strong|b|em|i)>(\s*)</\1>")
_ADJACENT_EMPHASIS = re.compile(r"</(strong|b|em|i)>(\s*)<\1>")
# Tags kept while converting HTML: what Markdown can say. Everything else is unwrapped.
_HTML_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "a", "ul", "ol", "li", "code", "pre", "sub", "sup",
              "img", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "thead", "tbody", "tr", "th", "td"}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _emphasis_run(match: re.Match, edge: str = " ") -> str:
    run, text = match.group(0), match.string
    # White space at either end of an HTML text node may be trimmed when it is converted,
    # so there the run counts as touching the node's edge.
    before = text[match.start() - 1] if text[:match.start()].strip() else edge
    after = text[match.end()] if text[match.end():].strip() else edge
    if before in " \t" and after in " \t":
        return run  # "2 * 3", "điền vào _____ sau": nothing to open or close
    if run[0] == "_" and before.isalnum() and after.isalnum():
        return run  # Python-Markdown never reads an underscore inside a word as emphasis
    return "".join("\\" + char for char in run)


def _setext_lines(text: str) -> str:
    """A line of only "=" or "-" under a line of text would make that line a heading."""
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i - 1] and (m := _SETEXT_LINE.fullmatch(lines[i])):
            # "=" is not backslash-escapable in Python-Markdown: an entity keeps it literal.
            mark = "&#61;" if m.group(2) == "=" else "\\-"
            lines[i] = m.group(1) + mark + lines[i][m.end(1) + 1:]
    return "\n".join(lines)


def _escape_plain(text: str, *, fragment: bool = False) -> str:
    """``text`` escaped only where Python-Markdown would act on it (see the patterns above).
    A ``fragment`` (one text node of an HTML element) may end up touching markup, so a
    ``*`` or ``_`` at either end of it is escaped."""
    text = _BACKSLASH.sub(r"\\\\", text)
    text = text.replace("`", "\\`").replace("[", "\\[").replace("]", "\\]")
    # "<" and "&" are not backslash-escapable in Python-Markdown: entities keep them literal.
    text = _TAG_START.sub("&lt;", _ENTITY.sub("&amp;", text))
    text = _EMPHASIS_RUN.sub(lambda m: _emphasis_run(m, "*" if fragment else " "), text)
    text = _RULE_LINE.sub(r"\1\\\2", text)
    if not fragment:  # a fragment's lines are checked once the whole text is converted
        text = _setext_lines(text)
    text = _CODE_INDENT.sub(lambda m: "&#32;" if m.group(1) == " " else "&#9;", text)
    return (_BLOCK_MARK_FRAGMENT if fragment else _BLOCK_MARK).sub(lambda m: m.group(1) + "\\" + m.group(2) if not m.group(2)[0].isdigit()
                           else m.group(1) + m.group(2)[:-1] + "\\.", text)


class _Converter(MarkdownConverter):
    """markdownify with our escaping: its ``escape_misc`` escapes characters (``=``, ``~``,
    ``<``, ``&``) that Python-Markdown does not unescape, so ``\\=`` would be shown."""

    def escape(self, text, parent_tags):
        return _escape_plain(text, fragment=True) if text else ""

    def _emphasis(self, text, parent_tags, mark, kinds):
        if "_noformat" in parent_tags or parent_tags & kinds:
            return text  # bold inside bold: "**a**b****" would show stars
        if "\n" in text:  # marks never span a line: a blank one would end the paragraph
            return "\n".join(self._emphasis(line, parent_tags, mark, kinds) for line in text.split("\n"))
        # White space at the edges goes outside the marks ("** a**" is not bold).
        inner = text.strip()
        if not inner:
            return text and " "  # "<b> </b>" is still a space between two words
        start = text.index(inner[0])
        return f"{text[:start]}{mark}{inner}{mark}{text[start + len(inner):]}"

    def convert_strong(self, el, text, parent_tags):
        return self._emphasis(text, parent_tags, "**", {"strong", "b"})

    def convert_em(self, el, text, parent_tags):
        return self._emphasis(text, parent_tags, "*", {"em", "i"})

    convert_b = convert_strong
    convert_i = convert_em


_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_IFRAME = re.compile(r"<iframe\b[^>]*?\bsrc\s*=\s*[\"']?(https?://[^\"'\s>]+)[^>]*>(?:.*?</iframe\s*>)?", re.I | re.S)


def html_to_markdown(raw: str, *, moodle_breaks: bool = False) -> str:
    """Markdown for an HTML fragment (GIFT ``[html]``, or ``[moodle]`` with
    ``moodle_breaks=True``: there a newline in the source is a line break, as Moodle's
    auto-format renders it). Scripts and styles are dropped with their content, an embedded
    frame becomes a link to its address, event handlers and other markup go (nh3);
    entities (``&agrave;``, ``&nbsp;``) become the characters they name, a no-break space
    an ordinary one. Returns NFC text without leading or trailing white space."""
    if raw is None:
        return ""
    text = raw
    if moodle_breaks:
        text = text.replace("\r\n", "\n").replace("\n", "<br>\n")
    elif "<pre" not in text.lower():
        # In HTML a newline is a space; markdownify would drop one at the edge of a tag.
        text = re.sub(r"[\r\n\t\f]+", " ", text)
    # A no-break space is stored as an ordinary one: Moodle's editor writes "&nbsp;" for any
    # space typed next to another or beside a tag, and markdownify would drop it at a tag's edge.
    text = _NBSP.sub(" ", text)
    # Moodle's cleaner drops scripts and styles with their content, and a learner could not
    # use an embedded frame on our page: the frame becomes a link to what it showed.
    text = _SCRIPT_OR_STYLE.sub("", text)
    text = _IFRAME.sub(lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', text)
    # What is left of a raw-text tag (one never closed) is shown as text, or the rest of the
    # question would vanish with it.
    text = RAW_TEXT_TAG_RE.sub(r"&lt;\1", text)
    text = nh3.clean(text, tags=_HTML_TAGS, attributes={"a": {"href"}, "img": {"src", "alt"}},
                     link_rel=None, strip_comments=True)
    # "<em>a</em><em>b</em>" would be written "*a**b*", which reads as bold: join them first.
    previous = None
    while previous != text:  # "<b></b>" between two of them too
        previous, text = text, _ADJACENT_EMPHASIS.sub(r"\2", _EMPTY_EMPHASIS.sub(r"\2", text))
    text = _EMPTY_PARAGRAPH.sub("<br>", text)  # still ends the line before it
    converted = _Converter(heading_style="ATX", bullets="-", strip_document="strip").convert(text)
    converted = converted.replace("\xa0", " ")
    # markdownify ends a <br> with two spaces; a plain newline is a break in our renderer.
    converted = re.sub(r"[ \t]+\n", "\n", converted)
    converted = re.sub(r"\n{3,}", "\n\n", converted)
    return _nfc(_setext_lines(converted.strip()))


def plain_to_markdown(text: str) -> str:
    """Markdown that renders exactly as ``text`` reads (Aiken, GIFT ``[plain]``): each
    character Markdown would act on there is escaped, nothing else, so the stored text stays
    readable. ``unescape_markdown`` gives ``text`` back; ``markdown_to_plain`` its words."""
    if not text:
        return ""
    return _nfc(_escape_plain(text))


def unescape_markdown(text: str) -> str:
    """``plain_to_markdown`` undone: backslash escapes and the entities it writes
    (``&lt;``, ``&amp;``, ``&#61;``, ``&#32;``, ``&#9;``) turned back into characters, nothing else touched."""
    return _UNESCAPE.sub(lambda m: m.group(1) or {"lt": "<", "amp": "&", "#61": "=", "#32": " ", "#9": "\t"}[m.group(2)], text or "")


# Python-Markdown's paragraphs: "<p>...</p>" separated by newlines, never nested.
_PARAGRAPH = re.compile(r"<p>((?:(?!</?p>).)*)</p>", re.S)
_PARAGRAPHS = re.compile(r"\s*(?:<p>(?:(?!</?p>|<(?:ul|ol|table|h\d|pre|blockquote|div|hr)\b).)*</p>\s*)+", re.S)
_ONE_PARAGRAPH = re.compile(r"\s*<p>(?:(?!</?p>|<(?:ul|ol|table|h\d|pre|blockquote|div|hr)\b).)*</p>\s*", re.S)


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    md = markdown.Markdown(extensions=["nl2br", "sane_lists", RawTextTagExtension()], output_format="html")
    # A right-to-left override in an imported question would show its words backwards.
    return sanitise_html(md.convert(drop_invisible(text)))


def render_text(text: str | None, *, inline: bool = False) -> Markup:
    """Safe HTML for a stored question text (Markdown, see the module docstring). Versions
    never change, so results are cached per text.

    With ``inline`` the result is phrasing content, as a ``<label>`` or ``<legend>`` must
    hold, whenever the text is made of paragraphs only: one paragraph loses its ``<p>``
    wrapper, several are joined by an empty line (``<br><br>``). A text with a list, a table
    or a heading stays block content: put such a text in a ``<div>``, not a label
    (``is_one_paragraph`` tells which)."""
    if not text:
        return Markup("")
    out = _render(text)
    if inline:
        paragraphs = _PARAGRAPHS.fullmatch(out)
        if paragraphs:
            out = "<br><br>".join(_PARAGRAPH.findall(out))
    return Markup(out)


def is_one_paragraph(text: str | None) -> bool:
    """Whether ``text`` renders as a single paragraph (or nothing): then it fits in a legend
    as it is; a longer text goes after the legend, referenced by aria-describedby."""
    if not text:
        return True
    return bool(_ONE_PARAGRAPH.fullmatch(_render(text)))


def markdown_to_plain(text: str | None) -> str:
    """The words of a stored text without markup, for places that show plain text: a
    ``<select>``, a CSV or XLSX export column, a page title, an xAPI statement."""
    if not text:
        return ""
    stripped = nh3.clean(re.sub(r"<br>\n?", "\n", _render(text)).replace("</p>", "\n\n"), tags=set())
    return html.unescape(re.sub(r"\n{3,}", "\n\n", stripped)).strip()
