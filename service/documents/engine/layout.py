"""docxtpl's pass over a rendered part: control characters in values become WordprocessingML.

``\\n`` becomes a line break, ``\\t`` a tab, ``\\a`` a new paragraph and
``\\f`` a page break, as docxtpl's ``resolve_listing`` does after rendering;
docxtpl's brace escapes (``{_{`` …) are undone. ``finished_chunks`` does the
same for a streamed render, chunk by chunk.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Iterator

from .sandbox import BREAK

__all__ = ["finish", "finished_chunks", "resolve_layout_characters", "resolve_sparse", "unbrace", "unmark"]

_LAYOUT_CHARS = re.compile("[\t\n\x07\x0c]")

# Patterns of docxtpl's resolve_listing(), which turns control characters in
# rendered text into WordprocessingML; the paragraph and run scans must be the
# same as docxtpl's so that the same runs get split.
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)
_RUN = re.compile(r"<w:r(?: [^>]*)?>.*?</w:r>", re.DOTALL)
_TEXT = re.compile(r"<w:t(?: [^>]*)?>.*?</w:t>", re.DOTALL)
_PPR = re.compile(r"<w:pPr>.*?</w:pPr>")
_RPR = re.compile(r"<w:rPr>.*?</w:rPr>")
# An opening tag with "</w:p" (or "</w:r", "</w:t") among its attributes,
# never seen in well-formed XML, would let a match run past that closing tag.
_ODD_OPENING = re.compile(r"<w:p [^>]*</w:p|<w:r [^>]*</w:r|<w:t [^>]*</w:t")


def _resolve_text(text: str, run_props: str, para_props: str) -> str:
    if "\t" in text:
        text = text.replace(
            "\t",
            f'</w:t></w:r><w:r>{run_props}<w:tab/></w:r><w:r>{run_props}<w:t xml:space="preserve">',
        )
    if "\x07" in text:
        text = text.replace(
            "\x07",
            f'</w:t></w:r></w:p><w:p>{para_props}<w:r>{run_props}<w:t xml:space="preserve">',
        )
    if "\n" in text:
        text = text.replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')
    if "\x0c" in text:
        text = text.replace(
            "\x0c",
            '</w:t></w:r></w:p><w:p><w:r><w:br w:type="page"/></w:r></w:p>'
            f'<w:p>{para_props}<w:r>{run_props}<w:t xml:space="preserve">',
        )
    return text


def _resolve_paragraph(match: re.Match[str]) -> str:
    paragraph = match.group(0)
    if not _LAYOUT_CHARS.search(paragraph):
        return paragraph
    found = _PPR.search(paragraph)
    para_props = found.group(0) if found else ""

    def resolve_run(run_match: re.Match[str]) -> str:
        run = run_match.group(0)
        found_rpr = _RPR.search(run)
        run_props = found_rpr.group(0) if found_rpr else ""
        return _TEXT.sub(lambda t: _resolve_text(t.group(0), run_props, para_props), run)

    return _RUN.sub(resolve_run, paragraph)


def _element(xml: str, opening: str, closing: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the first match of ``<w:x(?: [^>]*)?>.*?</w:x>`` (``_PARAGRAPH``,
    ``_RUN``, ``_TEXT``; ``opening`` is ``"<w:x"``) lies in ``xml[start:end]``,
    found with ``str.find`` instead of the regex."""
    at = xml.find(opening, start, end)
    while at >= 0:
        after = at + len(opening)
        if after >= end:
            return None
        char = xml[after]
        if char == ">":
            content = after + 1
        elif char == " ":
            close_tag = xml.find(">", after + 1, end)
            if close_tag < 0:  # no later opening can end its tag either
                return None
            content = close_tag + 1
        else:  # "<w:pPr>", "<w:rPr>", "<w:tab/>" …
            at = xml.find(opening, after, end)
            continue
        close = xml.find(closing, content, end)
        if close < 0:  # nor can a later one find its closing tag
            return None
        return at, close + len(closing)
    return None


def resolve_sparse(xml: str) -> str:
    """``_PARAGRAPH.sub(_resolve_paragraph, xml)`` for text in which no
    opening tag ``<w:p …``, ``<w:r …`` or ``<w:t …`` has ``</w:p``, ``</w:r``
    or ``</w:t`` among its attributes (``_ODD_OPENING``; never so in
    well-formed XML), visiting only the text runs that hold a layout character.

    Each of the three nested regex scans (paragraphs in the text, runs in a
    paragraph, texts in a run) matches from an opening tag to the first
    closing tag after it, so it is at rest after every closing tag: from the
    last ``</w:p>`` before a layout character, the first paragraph match is
    the one that holds the character if any does, and so on down to the
    ``<w:t>``. The elements skipped over have no layout character, which the
    regex callbacks would have returned unchanged.
    """
    if "\t" in xml or "\x07" in xml or "\x0c" in xml:
        def following(index: int) -> int:
            found = _LAYOUT_CHARS.search(xml, index)
            return found.start() if found else -1
    else:
        def following(index: int) -> int:
            return xml.find("\n", index)

    out: list[str] = []
    copied = 0  # xml[:copied] is in out
    at_rest = 0  # where the paragraph scan resumes
    x = following(0)
    while x >= 0:
        close = xml.rfind("</w:p>", at_rest, x)
        paragraph = _element(xml, "<w:p", "</w:p>", close + 6 if close >= 0 else at_rest, len(xml))
        if paragraph is None:
            break
        p_start, p_end = paragraph
        if p_start > x:  # outside every paragraph
            x = following(p_start)
            continue
        at_rest = p_end
        para_props: str | None = None
        run_rest = p_start
        y = x
        while 0 <= y < p_end:
            close = xml.rfind("</w:r>", run_rest, y)
            run = _element(xml, "<w:r", "</w:r>", close + 6 if close >= 0 else run_rest, p_end)
            if run is None:
                break
            r_start, r_end = run
            if r_start > y:
                y = following(r_start)
                continue
            run_rest = r_end
            run_props: str | None = None
            text_rest = r_start
            z = y
            while 0 <= z < r_end:
                close = xml.rfind("</w:t>", text_rest, z)
                text = _element(xml, "<w:t", "</w:t>", close + 6 if close >= 0 else text_rest, r_end)
                if text is None:
                    break
                t_start, t_end = text
                if t_start > z:
                    z = following(t_start)
                    continue
                text_rest = t_end
                fragment = xml[t_start:t_end]
                if "\t" in fragment or "\x07" in fragment or "\x0c" in fragment:
                    if para_props is None:
                        found = _PPR.search(xml, p_start, p_end)
                        para_props = found.group(0) if found else ""
                    if run_props is None:
                        found = _RPR.search(xml, r_start, r_end)
                        run_props = found.group(0) if found else ""
                    fragment = _resolve_text(fragment, run_props, para_props)
                else:  # a line break needs neither run nor paragraph properties
                    fragment = fragment.replace("\n", BREAK)
                out += (xml[copied:t_start], fragment)
                copied = t_end
                z = following(t_end)
            y = following(r_end)
        x = following(p_end)
    if not out:
        return xml
    out.append(xml[copied:])
    return "".join(out)


def resolve_layout_characters(xml: str) -> str:
    """Turn ``\\t``, ``\\a``, ``\\n`` and ``\\f`` inside text runs into tabs,
    paragraphs, line breaks and page breaks, as docxtpl does after rendering."""
    if not _LAYOUT_CHARS.search(xml):
        return xml
    if _ODD_OPENING.search(xml):
        return _PARAGRAPH.sub(_resolve_paragraph, xml)
    return resolve_sparse(xml)


def unbrace(rendered: str) -> str:
    # docxtpl's escapes for literal braces.
    if "_" in rendered:
        rendered = (
            rendered.replace("{_{", "{{")
            .replace("}_}", "}}")
            .replace("{_%", "{%")
            .replace("%_}", "%}")
        )
    return rendered


def unmark(rendered: str) -> str:
    # Undo the "\n" put before every paragraph for error line numbers, then
    # docxtpl's escapes for literal braces.
    return unbrace(rendered.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>"))


def finish(rendered: str) -> str:
    """docxtpl's post-processing of a rendered part: markers, then control characters."""
    return resolve_layout_characters(unmark(rendered))


# Jinja output pieces joined per step of a streamed render: a few hundred
# table rows, a few hundred kilobytes.
_BATCH_PIECES = 4096


def finished_chunks(pieces: Iterator[str]) -> Iterator[str]:
    """The output of a streamed template (``streamed_template``) finished in
    consecutive chunks: brace escapes, then the layout pass. The output is
    well-formed XML without comments, CDATA sections or processing
    instructions, without the newlines put before paragraphs and with its
    line breaks already resolved, so this is ``finish`` of what the checked
    template renders.

    Every chunk but the last ends just after a ``</w:p>``. No brace escape
    can straddle such a cut (they consist of ``{}%_`` only), and the
    paragraph scan of ``resolve_layout_characters`` is at rest there (see
    ``resolve_sparse``: in such XML every ``<`` opens a tag and no tag holds
    another ``<``), so finishing chunk by chunk gives the same text as
    finishing the whole.
    """
    carry = ""
    while True:
        batch = list(islice(pieces, _BATCH_PIECES))
        if not batch:
            break
        # Not carry + batch[0]: a Markup piece would escape the carry.
        batch.insert(0, carry)
        text = "".join(batch)
        end = text.rfind("</w:p>")
        if end < 0:
            carry = text
            continue
        end += 6
        carry = text[end:]
        yield resolve_sparse(unbrace(text[:end]))
    yield resolve_sparse(unbrace(carry))
