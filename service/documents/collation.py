"""Vietnamese alphabetical order for names in lists.

Vietnamese lists of people are ordered by the given name (the last word of
the full name), then by the family and middle names; letters follow the
Vietnamese alphabet (A Ă Â B C D Đ E Ê … U Ư V X Y) with tones ranked after
the base letter. Python's code-point order and the default Unicode collation
both get this wrong (they put "Đức" before "Dung" or "Ân" before "Anh"), so
the keys come from ICU's ``vi`` collator.
"""

from __future__ import annotations

import threading
import unicodedata
from typing import Any, Callable, Iterable, TypeVar

import icu

__all__ = [
    "split_name",
    "sort_key_text",
    "sort_key_vi",
    "nominee_sort_key",
    "sorted_by_given_name",
    "sorted_by_name",
]

T = TypeVar("T")

# ICU documents a collator as safe for concurrent use only while nobody
# changes it; a collator per thread keeps us clear of that question at the
# cost of one small object per worker thread.
_local = threading.local()


def _collator() -> "icu.Collator":
    collator = getattr(_local, "collator", None)
    if collator is None:
        collator = icu.Collator.createInstance(icu.Locale("vi"))
        _local.collator = collator
    return collator


def _clean(text: str | None) -> str:
    # Input may arrive decomposed (NFD) or with doubled spaces; both would
    # otherwise change the key.
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def split_name(full_name: str) -> tuple[str, str]:
    """Split a full name into ``(given name, family and middle names)``."""
    words = _clean(full_name).split(" ")
    return words[-1], " ".join(words[:-1])


def sort_key_text(text: str) -> bytes:
    """Return the ICU ``vi`` sort key of a whole text (used for collective names)."""
    return _collator().getSortKey(_clean(text))


def sort_key_vi(full_name: str) -> tuple[bytes, bytes]:
    """Return a key ordering people by given name, then family and middle names.

    ``"Nguyễn Văn An" < "Trần Thị Bình" < "Lê Văn Dũng"``; within one given
    name, ``"Đỗ Thị An"`` comes before ``"Nguyễn Văn An"``.
    """
    given, rest = split_name(full_name)
    collator = _collator()
    return collator.getSortKey(given), collator.getSortKey(rest)


def nominee_sort_key(nominee: dict[str, Any]) -> tuple[bytes, ...]:
    """Sort key for a nominee dict: individuals by given name, collectives by whole name."""
    name = nominee.get("full_name") or ""
    if nominee.get("kind") == "collective":
        return (sort_key_text(name),)
    return sort_key_vi(name)


def sorted_by_given_name(items: Iterable[T], key: Callable[[T], str] | None = None) -> list[T]:
    """Return ``items`` ordered by the Vietnamese given-name rule.

    ``key`` extracts the full name from an item; without it the items are
    the names themselves. The sort is stable.
    """
    extract = key or (lambda item: item)  # type: ignore[assignment,return-value]
    return sorted(items, key=lambda item: sort_key_vi(extract(item)))


def sorted_by_name(items: Iterable[T], key: Callable[[T], str] | None = None) -> list[T]:
    """Return ``items`` ordered by their whole name in Vietnamese order (for collectives)."""
    extract = key or (lambda item: item)  # type: ignore[assignment,return-value]
    return sorted(items, key=lambda item: sort_key_text(extract(item)))
