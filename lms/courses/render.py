"""Markdown to safe HTML, done once at sync time and stored.

Lessons are written by authors, but an author account can be stolen and a pull request
can slip through: the HTML is always cleaned with an allow-list (nh3) after rendering,
so no script, event attribute or javascript: link ever reaches a learner's browser.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import markdown
import nh3
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

RENDERER_VERSION = "4"  # bump to force re-rendering of every lesson on the next sync

ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "strong", "em", "b", "i", "code",
    "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "img", "figure",
    "figcaption", "div", "span", "hr", "br", "sup", "sub", "abbr", "kbd", "dl", "dt", "dd", "mark",
    # ```video and ```audio blocks (_MediaBlocks): the player, its file, captions, transcript.
    "video", "audio", "source", "track", "details", "summary",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading", "decoding"},
    "th": {"align", "scope"},
    "td": {"align"},
    "abbr": {"title"},
    "ol": {"start"},
    "figure": {"role", "aria-label"},
    # No autoplay, loop, muted or src on the player itself; preload is always "none"
    # (attribute_filter): nothing is downloaded before the learner taps play.
    "video": {"controls", "preload", "playsinline", "poster"},
    "audio": {"controls", "preload"},
    "source": {"src", "type"},
    "track": {"kind", "srclang", "label", "src", "default"},
    # No "id" (content must not take over the page's anchors or script hooks such as
    # #quiz-form) and "class" only with the values below (attribute_filter).
    "*": {"class", "lang"},
}
# The classes our own Markdown extensions generate and lesson.css styles: admonitions,
# message blocks, fenced code languages. Anything else an author writes (``button``,
# ``flash error``...) could dress content as the site's own controls, so it is dropped.
ALLOWED_CLASSES = {"admonition", "admonition-title", "msg", "msg-sms", "msg-chat", "bubble", "line", "mine",
                   "media", "media-video", "media-audio", "media-transcript"}
# An admonition's type, only next to "admonition" (alone, "error" or "danger" are site styles).
ADMONITION_TYPES = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error"}
LANGUAGE_CLASS_RE = re.compile(r"^language-[a-z0-9+#-]{1,30}$")
# Elements whose content HTML parsers read as raw text up to their end tag: an unclosed one
# swallows everything after it (a stray "<style>" hid most of a contest's rules). Their tags
# are shown as text before cleaning, so they can neither run nor swallow (WHATWG HTML 13.1.2.6).
RAW_TEXT_TAG_RE = re.compile(
    r"<(/?\s*(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext|template)\b)",
    re.IGNORECASE)
URL_SCHEMES = {"http", "https", "mailto", "tel"}

MESSAGE_LABELS = {
    "vi": {"sms": "Tin nhắn SMS mẫu", "chat": "Đoạn trò chuyện mẫu", "from": "Từ", "self": ("bạn", "tôi"),
           "captions": "Tiếng Việt", "transcript": "Bản chữ",
           "download_video": "Tải video về máy", "download_audio": "Tải tệp âm thanh về máy"},
    "en": {"sms": "Example text message", "chat": "Example chat", "from": "From", "self": ("you", "me"),
           "captions": "English", "transcript": "Transcript",
           "download_video": "Download the video", "download_audio": "Download the audio"},
}

FENCE_RE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>sms|chat)[ \t]*\n(?P<body>.*?)\n(?P=fence)[ \t]*$",
                      re.MULTILINE | re.DOTALL)


class _FencedBlocks(Preprocessor):
    """Base for fences rendered as one HTML block: every match of ``pattern`` is replaced by
    ``_render(match)``, stashed so Markdown leaves it alone, in words of the lesson's language."""

    pattern: re.Pattern

    def __init__(self, md, language: str):
        super().__init__(md)
        self.language = language
        self.labels = MESSAGE_LABELS.get(language, MESSAGE_LABELS["vi"])

    def run(self, lines):
        text = "\n".join(lines)
        text = self.pattern.sub(lambda m: "\n\n" + self.md.htmlStash.store(self._render(m)) + "\n\n", text)
        return text.split("\n")

    def _render(self, match) -> str:
        raise NotImplementedError


class _MessageBlocks(_FencedBlocks):
    """```sms and ```chat fences become recognisable phone-message blocks."""

    pattern = FENCE_RE

    def _render(self, match) -> str:
        kind, body = match.group("lang"), match.group("body").strip("\n")
        label = self.labels[kind]
        lines = body.split("\n")
        if kind == "sms":
            sender = ""
            first = lines[0] if lines else ""
            for prefix in ("Từ:", "From:"):
                if first.startswith(prefix):
                    sender = first[len(prefix):].strip()
                    lines = lines[1:]
            caption = html.escape(label) + (f" · {html.escape(self.labels['from'])}: {html.escape(sender)}" if sender else "")
            paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line.strip())
            return (f'<figure class="msg msg-sms" role="group" aria-label="{html.escape(label)}">'
                    f"<figcaption>{caption}</figcaption><div class=\"bubble\">{paragraphs}</div></figure>")
        rows = []
        for line in lines:
            if not line.strip():
                continue
            speaker, sep, said = line.partition(":")
            if not sep:
                speaker, said = "", line
            mine = speaker.strip().casefold() in self.labels["self"]
            who = f"<b>{html.escape(speaker.strip())}:</b> " if speaker.strip() else ""
            rows.append(f'<p class="line{" mine" if mine else ""}">{who}{html.escape(said.strip())}</p>')
        return (f'<figure class="msg msg-chat" role="group" aria-label="{html.escape(label)}">'
                f"<figcaption>{html.escape(label)}</figcaption>{''.join(rows)}</figure>")


class MessageBlockExtension(Extension):
    def __init__(self, language: str = "vi", **kwargs):
        self.language = language
        super().__init__(**kwargs)

    def extendMarkdown(self, md):  # noqa: N802 - Markdown's API name
        # Before fenced_code (priority 25) so the fence is ours.
        md.preprocessors.register(_MessageBlocks(md, self.language), "message_blocks", 30)


# ```video / ```audio blocks: "key: value" lines, a blank line, then the transcript.
MEDIA_FENCE_RE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<kind>video|audio)[ \t]*\n(?:(?P<body>.*?)\n)?(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL)
MEDIA_KEYS = {"video": ("file", "captions", "poster", "title"), "audio": ("file", "captions", "title")}
# The media files a block may play, by suffix, with their MIME types (also the media route's
# Content-Type for them). A .webm in an audio block is audio-only WebM.
MEDIA_TYPES = {
    "video": {".webm": "video/webm", ".mp4": "video/mp4"},
    "audio": {".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg",
              ".m4a": "audio/mp4", ".webm": "audio/webm"},
}
CAPTIONS_SUFFIX = ".vtt"
# What the media route serves besides pictures, with its type (Werkzeug adds "; charset=utf-8"
# to text/vtt, which browsers need to read Vietnamese captions right).
MEDIA_CONTENT_TYPES = {**MEDIA_TYPES["audio"], **MEDIA_TYPES["video"], CAPTIONS_SUFFIX: "text/vtt"}
MEDIA_MAX_BYTES = 20 * 1024 * 1024  # learners are on slow networks and metered phone plans


@dataclass
class MediaBlock:
    """One ```video or ```audio block as written; content.check_media_blocks judges it."""

    kind: str
    # Every line before the first blank one: (key or None if not "key: value", value, line offset
    # from the fence line).
    entries: list[tuple[str | None, str, int]] = field(default_factory=list)
    transcript: str = ""
    transcript_offset: int = 0

    def value(self, key: str) -> str:
        """The first non-empty value given for a known key, or ""."""
        return next((v for k, v, _ in self.entries if k == key and v), "")


def parse_media_block(kind: str, body: str | None) -> MediaBlock:
    block = MediaBlock(kind)
    lines = (body or "").split("\n")
    i = 0
    while i < len(lines) and lines[i].strip():
        key, sep, value = lines[i].partition(":")
        key = key.strip()
        ok = bool(sep) and re.fullmatch(r"[a-z_]+", key) is not None
        block.entries.append((key if ok else None, value.strip() if ok else lines[i].strip(), i + 1))
        i += 1
    block.transcript = "\n".join(lines[i:]).strip()
    block.transcript_offset = i + 1
    return block


def is_plain_file_name(name: str) -> bool:
    """A file beside the lesson: no folder, no scheme, not hidden."""
    return bool(name) and not any(c in name for c in "/\\:") and not name.startswith(".")


class _MediaBlocks(_FencedBlocks):
    """```video and ```audio fences become a player that downloads nothing before play
    (preload="none"), with captions, a download link for browsers that cannot play it, and
    the transcript as the text alternative. File names are left relative; the sanitiser's
    rewrite_url turns them into media/<name> like a picture's."""

    pattern = MEDIA_FENCE_RE

    def _render(self, match) -> str:
        kind = match.group("kind")
        block = parse_media_block(kind, match.group("body"))
        esc = html.escape
        name = block.value("file")
        title = block.value("title")
        parts = [f'<figure class="media media-{kind}">']
        if title:
            parts.append(f"<figcaption>{esc(title)}</figcaption>")
        if is_plain_file_name(name):
            poster = block.value("poster") if kind == "video" else ""
            attrs = ' playsinline' if kind == "video" else ""
            if is_plain_file_name(poster):
                attrs += f' poster="{esc(poster)}"'
            parts.append(f'<{kind} controls preload="none"{attrs}>')
            mime = MEDIA_TYPES[kind].get(_suffix(name))
            parts.append(f'<source src="{esc(name)}"' + (f' type="{mime}"' if mime else "") + ">")
            captions = block.value("captions")
            if is_plain_file_name(captions):
                # Labelled by the lesson's language: the captions are in the language of the
                # lesson they belong to (a tag without a label of ours is shown as itself).
                label = MESSAGE_LABELS[self.language]["captions"] if self.language in MESSAGE_LABELS else self.language
                parts.append(f'<track kind="captions" srclang="{esc(self.language)}" label="{esc(label)}" '
                             f'src="{esc(captions)}" default>')
            parts.append(f'<a href="{esc(name)}">{esc(self.labels["download_" + kind])}</a></{kind}>')
        if block.transcript:
            paragraphs = "".join(
                "<p>" + "<br>".join(esc(line.strip()) for line in para.split("\n") if line.strip()) + "</p>"
                for para in re.split(r"\n[ \t]*\n", block.transcript) if para.strip())
            parts.append(f'<details class="media-transcript"><summary>{esc(self.labels["transcript"])}</summary>'
                         f"{paragraphs}</details>")
        parts.append("</figure>")
        return "".join(parts)


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


class MediaBlockExtension(Extension):
    def __init__(self, language: str = "vi", **kwargs):
        self.language = language
        super().__init__(**kwargs)

    def extendMarkdown(self, md):  # noqa: N802 - Markdown's API name
        # Before fenced_code (priority 25) so the fence is ours.
        md.preprocessors.register(_MediaBlocks(md, self.language), "media_blocks", 29)


class _RawTextTags(Preprocessor):
    """Raw-text element tags (RAW_TEXT_TAG_RE) become text before Markdown's HTML-block step,
    which would otherwise pass everything after an unclosed ``<style>`` through unparsed.
    Stashed, so a code span showing ``<style>`` still shows it."""

    def run(self, lines):
        text = "\n".join(lines)
        text = RAW_TEXT_TAG_RE.sub(lambda m: self.md.htmlStash.store("&lt;" + html.escape(m.group(1))), text)
        return text.split("\n")


class RawTextTagExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Markdown's API name
        # After fenced_code (25, which stashes code blocks) and before html_block (20).
        md.preprocessors.register(_RawTextTags(md), "raw_text_tags", 22)


class _LazyPictures(Treeprocessor):
    """Pictures further down a lesson are fetched only when the learner scrolls near them
    (HTML ``loading="lazy"``): a cheap phone on a slow network shows the text first."""

    def run(self, root):
        for img in root.iter("img"):
            img.set("loading", "lazy")
            img.set("decoding", "async")


class LazyPictureExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Markdown's API name
        md.treeprocessors.register(_LazyPictures(md), "lazy_pictures", 0)


def render_markdown(text: str, *, language: str = "vi", rewrite_url: Callable[[str], str] | None = None) -> str:
    md = markdown.Markdown(
        extensions=[
            "tables", "admonition", "attr_list", "fenced_code", "sane_lists", "def_list", "abbr",
            MessageBlockExtension(language=language), MediaBlockExtension(language=language), RawTextTagExtension(),
            LazyPictureExtension(),
        ],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    raw = md.convert(text)
    return sanitise_html(raw, rewrite_url=rewrite_url)


def _allowed_classes(value: str) -> str | None:
    """The class tokens of ``value`` our extensions generate; None (attribute dropped) if none."""
    tokens = value.split()
    admonition = "admonition" in tokens
    kept = [c for c in tokens if c in ALLOWED_CLASSES or LANGUAGE_CLASS_RE.match(c)
            or (admonition and c in ADMONITION_TYPES)]
    return " ".join(kept) or None


def sanitise_html(raw: str, *, rewrite_url: Callable[[str], str] | None = None) -> str:
    """The one sanitiser of Markdown output and any user HTML shown as HTML (lessons, course
    intros, contest rules, judged articles): an allow-list of tags and attributes (nh3, the
    Rust ammonia library), no ``id``, only our own classes, raw-text elements shown as text.
    Returns HTML safe to mark ``|safe`` (OWASP XSS Prevention Cheat Sheet, rule 6)."""
    def attribute_filter(tag, attr, value):
        if attr == "class":
            # An admonition's type is written by the author ("!!! button"): keep ours only.
            return _allowed_classes(value)
        if attr == "preload":
            return "none"  # a player never downloads before the learner taps play
        if rewrite_url is not None and attr in ("href", "src", "poster"):
            return rewrite_url(value)
        return value

    raw = RAW_TEXT_TAG_RE.sub(r"&lt;\1", raw)
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        attribute_filter=attribute_filter,
        strip_comments=True,
    )
