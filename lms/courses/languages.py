"""Names of the languages lessons can be translated into.

Translations are files named with a BCP 47 tag (``01-vneid.km.md``); the lesson page names
each version. Vietnam's ethnic languages have ISO 639-3 codes; the names below are the
Vietnamese ones a learner would recognise. A province adding a language not listed here adds
its name in the instance configuration (``CONTENT_LANGUAGE_NAMES = {"xyz": "Tiếng …"}``);
without a name the page shows the tag itself, never nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGE_NAMES: dict[str, str] = {
    "vi": "Tiếng Việt",
    "en": "English",
    "bdq": "Tiếng Ba Na",
    "blt": "Tiếng Thái (Thái Đen)",
    "cjm": "Tiếng Chăm",
    "hmn": "Tiếng H'Mông",
    "hnj": "Tiếng H'Mông (Mông Njua)",
    "ium": "Tiếng Dao (Iu Mien)",
    "jra": "Tiếng Gia Rai",
    "km": "Tiếng Khmer",
    "mtq": "Tiếng Mường",
    "nut": "Tiếng Nùng",
    "rad": "Tiếng Ê Đê",
    "tyz": "Tiếng Tày",
    "zh": "Tiếng Hoa",
}


def language_name(tag: str, extra: Mapping[str, str] | None = None) -> str:
    """The name of ``tag`` (``"km"`` → ``"Tiếng Khmer"``); an unknown tag is returned as is.
    ``extra`` (the deployment's ``CONTENT_LANGUAGE_NAMES``) wins over the built-in names."""
    if extra and tag in extra:
        return extra[tag]
    if tag in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[tag]
    primary = tag.split("-", 1)[0]
    return f"{LANGUAGE_NAMES[primary]} ({tag})" if primary in LANGUAGE_NAMES else tag


def speech_tag(tag: str) -> str:
    """The tag given to the browser's speech synthesis: regional defaults for the two
    interface languages, the tag itself otherwise."""
    return {"vi": "vi-VN", "en": "en-US"}.get(tag, tag)
