"""Page language: JSON catalogs (zh_CN first, en second) and bilingual service messages.

Service errors and labels arrive bilingual: messages as "中文 / English", labels as
("中文", "English") pairs. The pages show the half matching the reader's language.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).parent / "i18n"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "lang"
_FILES = {"zh": "zh_CN.json", "en": "en.json"}
_HTML_LANG = {"zh": "zh-CN", "en": "en"}
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_SEPARATOR = " / "


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    with (CATALOG_DIR / _FILES[lang]).open(encoding="utf-8") as handle:
        return json.load(handle)


def normalise_lang(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def html_lang(lang: str) -> str:
    return _HTML_LANG[normalise_lang(lang)]


def translate(lang: str, key: str, **values: Any) -> str:
    """The catalog text for ``key``; Chinese when the English entry is missing, else the key."""
    text = catalog(normalise_lang(lang)).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def split_message(message: str) -> tuple[str, str]:
    """Split "中文 / English" into its halves; a message without both halves is returned twice.

    The Chinese half may itself contain " / " (e.g. a list of allowed characters), so the
    split is the first separator after which no Chinese characters follow and the English
    half starts with a letter, digit or quote.
    """
    start = 0
    while True:
        index = message.find(_SEPARATOR, start)
        if index < 0:
            return message, message
        left, right = message[:index], message[index + len(_SEPARATOR) :]
        if (
            right
            and (right[0].isascii() and (right[0].isalnum() or right[0] in "'\"“‘"))
            and not _IDEOGRAPH.search(right)
            and _IDEOGRAPH.search(left)
        ):
            return left.strip(), right.strip()
        start = index + 1


def pick(lang: str, message: str | None) -> str:
    """The half of a bilingual service message matching ``lang``."""
    if not message:
        return ""
    zh, en = split_message(str(message))
    return en if normalise_lang(lang) == "en" else zh


def label(lang: str, pair: tuple[str, str] | str | None) -> str:
    """One side of a ("中文", "English") label pair."""
    if pair is None:
        return ""
    if isinstance(pair, str):
        return pair
    return pair[1] if normalise_lang(lang) == "en" else pair[0]


def both(key: str) -> str:
    """A catalog entry in the "中文 / English" shape of service messages, for the same display path."""
    return f"{translate('zh', key)}{_SEPARATOR}{translate('en', key)}"
