"""Pinyin search keys: what Chinese users type into a search box for a Chinese name.

A name's key is its full pinyin and its initials, lower case, without tones or separators:
青山村 → "qingshancun qsc", 张三 → "zhangsan zs". A typed query is turned the same way
(`query_key`), so "qsc", "qingshan", "zhang" or "青shan" all become a substring of the key
and the search is one LIKE on an indexed column, never a scan in Python.
"""

import re
from functools import lru_cache

from pypinyin import lazy_pinyin

KEY_MAX_LENGTH = 255
_HAN = re.compile(r"[\u3400-\u9fff]")
_NOT_KEY = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


@lru_cache(maxsize=20000)  # names repeat (people's names, "…村"): seeding stays quick
def search_key(name: str) -> str:
    """'qingshancun qsc' for 青山村; '' for a name with nothing to spell."""
    syllables = [s.lower() for s in lazy_pinyin(name or "")]
    syllables = [_NOT_KEY.sub("", s) for s in syllables]
    syllables = [s for s in syllables if s]
    if not syllables:
        return ""
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables)
    return f"{full} {initials}"[:KEY_MAX_LENGTH]


def query_key(text: str) -> str:
    """The typed text as it appears inside keys: pinyin of any Chinese, lower case, no spaces
    or apostrophes ("Qing'shan" → "qingshan", "青shan" → "qingshan")."""
    return "".join(_NOT_KEY.sub("", s.lower()) for s in lazy_pinyin((text or "").strip()))


def has_han(text: str) -> bool:
    return bool(_HAN.search(text or ""))
