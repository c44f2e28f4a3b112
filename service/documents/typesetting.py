"""How wide a line of Times New Roman is, and where to break a line that is too long.

Pure functions, no I/O. The widths are the advance widths of Liberation Serif
(metric-compatible with Times New Roman, the font Decree 30/2020/NĐ-CP,
Annex I prescribes), in thousandths of an em, read once from the font files
LibreOffice prints with. Vietnamese letters are as wide as their base letter,
but for the letters with a horn (ơ, ư, Ư and their tones), which are wider.

``text_width_cm`` tells whether a header fits a table column or an issuing
body fits the header block; ``balanced_lines`` breaks a long name into lines
of nearly equal length so that no line is cut by the printer and no word is
left alone on the last line.
"""

from __future__ import annotations

import unicodedata
from itertools import combinations
from math import comb
from typing import Callable

__all__ = ["balanced_lines", "greedy_lines", "text_width_cm"]

# Advance widths of the characters " " (32) to "~" (126).
_REGULAR = (
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, 500, 500, 500, 500,
    500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, 921, 722, 667, 667, 722, 611, 556, 722,
    722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333,
    278, 333, 469, 500, 333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
    500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
)
_BOLD = (
    250, 333, 555, 500, 500, 1000, 833, 278, 333, 333, 500, 570, 250, 333, 250, 278, 500, 500, 500, 500,
    500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500, 930, 722, 667, 722, 722, 667, 611, 778,
    778, 389, 500, 778, 667, 944, 722, 778, 611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667, 333,
    278, 333, 581, 500, 333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556, 278, 833, 556, 500,
    556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444, 394, 220, 394, 520,
)
_HORNED = {False: {"U": 776, "u": 542, "o": 529}, True: {"U": 796, "u": 600, "o": 554}}
_HORN = "\u031b"
_UNKNOWN = 1000  # a character outside the table counts as the widest letter
_POINTS_PER_CM = 72 / 2.54


def _char_width(char: str, bold: bool) -> int:
    table = _BOLD if bold else _REGULAR
    if " " <= char <= "~":
        return table[ord(char) - 32]
    if char in "Đđ":
        return table[ord("D" if char == "Đ" else "d") - 32]
    decomposed = unicodedata.normalize("NFD", char)
    base = decomposed[0]
    if not " " <= base <= "~":
        return _UNKNOWN
    if _HORN in decomposed:
        return _HORNED[bold].get(base, table[ord(base) - 32])
    return table[ord(base) - 32]


def text_width_cm(text: str, size_pt: float, bold: bool = False) -> float:
    """Printed width of one line of ``text`` in Times New Roman at ``size_pt``."""
    thousandths = sum(_char_width(char, bold) for char in text)
    return thousandths / 1000 * size_pt / _POINTS_PER_CM


def greedy_lines(text: str, max_width: float, measure: Callable[[str], float] = len) -> list[str]:
    """The lines a word processor makes of ``text``: as many words on a line as fit.

    A word wider than ``max_width`` stays whole on a line of its own (a word
    processor would cut it: callers check for that).
    """
    lines: list[str] = []
    for word in text.split():
        if lines and measure(f"{lines[-1]} {word}") <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


# Past this many ways of breaking a text, greedy lines will do: a name in
# a header has a few thousand at most.
_MAX_TRIES = 20_000


def balanced_lines(text: str, max_width: float, measure: Callable[[str], float] = len, *,
                   joint_bonus: float = 0.25) -> list[str]:
    """``text`` broken between words into as few lines as fit, the lines as even as can be.

    Every line measures at most ``max_width`` (``measure`` is ``len`` or a
    printed width such as ``text_width_cm``). Among the breaks that need the
    fewest lines, the one whose longest line is shortest wins, so a long
    name never leaves one word alone on its last line. A line never starts
    with "-" (it would read as a list item). A break just after " - ", where
    the names of two merged units meet ("Nguyễn Thái Bình - Bến Thành"), is
    preferred when its longest line is at most ``joint_bonus × max_width``
    longer than that of the evenest break. A word wider than ``max_width``
    stays whole on its own line.
    """
    words = text.split()
    if not words:
        return []
    n = len(words)
    greedy = greedy_lines(text, max_width, measure)
    # A line may end before word j (0 < j < n) unless word j is "-".
    cuts = [j for j in range(1, n) if words[j] != "-"]
    # Filling lines to the brim gives the fewest lines; keeping "-" off the
    # start of a line may take one more.
    for count in range(len(greedy), len(greedy) + 2):
        if count > len(cuts) + 1 or comb(len(cuts), count - 1) > _MAX_TRIES:
            break
        best: tuple[float, list[str]] | None = None
        for chosen in combinations(cuts, count - 1):
            bounds = [0, *chosen, n]
            lines = [" ".join(words[i:j]) for i, j in zip(bounds, bounds[1:])]
            if any(measure(line) > max_width and " " in line for line in lines):
                continue
            joints = sum(1 for j in chosen if words[j - 1] == "-")
            score = max(measure(line) for line in lines) - joints * joint_bonus * max_width
            if best is None or score < best[0]:
                best = (score, lines)
        if best is not None:
            return best[1]
    return greedy
