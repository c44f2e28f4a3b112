"""Rendering engine for the .docx templates (docxtpl-compatible, faster).

The result of ``render_docx(template, context)`` is meant to be the document
docxtpl produces with::

    tpl = DocxTemplate(template)
    tpl.render(context, jinja_env=SandboxedEnvironment(autoescape=True,
                                                       undefined=StrictUndefined))
    tpl.save(out)

with the same tag language (``{{ x }}``, ``{%p if %}``, ``{%tr for %}`` …), the
same escaping, and the same handling of control characters in values (``\\n``
becomes a line break, ``\\t`` a tab, ``\\a`` a new paragraph, ``\\f`` a page
break). docxtpl reloads the template with python-docx, re-patches and
re-compiles its XML, and re-serialises the whole package on every render.
Here that work is done once per template (cached by the SHA-256 of its bytes);
a render only runs the compiled Jinja templates and writes a new zip that
copies every other part byte for byte.

Long lists: when preparing a template, the engine also tries to prove that
every render of its body is well-formed XML (``_always_well_formed``). For
such a template and a context of plain data (what the builders make), the
body is rendered as a stream: finished, encoded and compressed chunk by
chunk, never held whole and never re-parsed, with the same bytes as the
checked render. Other templates and contexts take the checked render, which
parses the result and falls back to docxtpl's own repair when it is broken.

Safety: templates are edited by clerks, so they run in Jinja's sandbox
(``{{ ''.__class__ }}`` fails), values are XML-escaped (``Công ty A&B <Chi
nhánh 1>`` comes out exactly) and a missing variable is an error, never a
silent blank. Every failure surfaces as ``TemplateRenderError`` with a
Vietnamese message.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import os
import posixpath
import re
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Iterable, Iterator, Mapping

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape

__all__ = [
    "TemplateRenderError",
    "render_docx",
    "template_variables",
    "template_sources",
    "check_template",
    "make_environment",
    "resolve_layout_characters",
    "clear_cache",
]

_NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_RT_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
_RT_CORE_PROPERTIES = (
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
)
_RT_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
_RT_FOOTER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
_CT_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"

# python-docx writes every XML part with this declaration; docxtpl's output
# therefore carries it on the document, header and footer parts.
_XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"

# Core properties docxtpl renders as templates (the string-valued ones it can
# write back), with their element names in core.xml.
_CORE_PROPERTIES = {
    "author": "{http://purl.org/dc/elements/1.1/}creator",
    "comments": "{http://purl.org/dc/elements/1.1/}description",
    "identifier": "{http://purl.org/dc/elements/1.1/}identifier",
    "language": "{http://purl.org/dc/elements/1.1/}language",
    "subject": "{http://purl.org/dc/elements/1.1/}subject",
    "title": "{http://purl.org/dc/elements/1.1/}title",
}

_JINJA_MARK = re.compile(r"\{[{%#]")
# Characters XML 1.0 forbids. docxtpl lets them through and lxml's recovering
# parser then drops them from the body (but a header with one fails to load);
# dropping them before escaping gives the body's behaviour everywhere. \t, \n,
# \r, \a and \f stay: \t\n\a\f are turned into layout below, \r is legal XML.
_XML_ILLEGAL = re.compile("[\x00-\x06\x08\x0b\x0e-\x1f\ufffe\uffff]")
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

# Tags whose output changes a table's cell count: docxtpl repairs the grid of
# such tables afterwards (fix_tables), so a template using them takes the
# slower path that does the same.
_CELL_TAGS = re.compile(r"\{[{%]tc |\{%\s*(?:hm|colspan)\b")
# A plain Jinja block tag written inside a table cell could remove cells too.
_RAW_BLOCK_TAG = re.compile(r"\{%[\s\-+]")

_CACHE_SIZE = 32
# A template is a few dozen kilobytes; a much larger unpacked size means a
# damaged or hostile file, refused before it is read into memory.
_MAX_UNPACKED = 64 * 2**20


class TemplateRenderError(Exception):
    """A template could not be loaded, compiled or rendered.

    ``str(error)`` is a Vietnamese message for the user; ``part`` names the
    part of the .docx (``word/document.xml`` …) and ``excerpt`` holds the text
    around the faulty tag when it is known.
    """

    def __init__(self, message: str, *, part: str | None = None, excerpt: str | None = None):
        super().__init__(message)
        self.part = part
        self.excerpt = excerpt


def _xml_safe(value: Any) -> Any:
    # Jinja calls finalize on every {{ }} value before escaping it.
    if type(value) is str:
        # isprintable() is False for every character _XML_ILLEGAL matches.
        return value if value.isprintable() else _XML_ILLEGAL.sub("", value)
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return _XML_ILLEGAL.sub("", value)
    return value


# Names a plain dict instance has as attributes; any other name is looked up
# as a key, which is what Jinja's getattr ends up doing after a failed
# attribute lookup.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(SandboxedEnvironment):
    """Jinja's sandbox with a shortcut for ``row.name`` on a plain dict.

    ``SandboxedEnvironment.getattr`` tries the attribute first and catches
    the AttributeError before looking up the key; for a ``dict`` and a name
    that is no dict attribute the result is the key lookup (or undefined)
    either way, without raising an exception per value.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def make_environment() -> SandboxedEnvironment:
    """Return the Jinja environment templates are rendered with.

    Sandboxed, autoescaping, ``StrictUndefined``; exposed so tests and the
    benchmark can give plain docxtpl an equivalent one.
    """
    return _Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_xml_safe,
    )


_ENV = make_environment()

_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'


def _xml_safe_breaks(value: Any) -> Any:
    """``_xml_safe``, and a line break in a string becomes WordprocessingML
    at once, as the layout pass would turn it (see ``_always_well_formed``)."""
    value = _xml_safe(value)
    if type(value) is str and "\n" in value:
        return Markup(str(escape(value)).replace("\n", _BREAK))
    return value


# Renders the templates proven always well-formed, for plain contexts only.
_STREAM_ENV = _Environment(autoescape=True, undefined=jinja2.StrictUndefined, finalize=_xml_safe_breaks)
_docxtpl_helper = None
_helper_lock = threading.Lock()


def _docxtpl():
    """A DocxTemplate used only for its XML helpers (patch_xml, fix_tables)."""
    global _docxtpl_helper
    with _helper_lock:
        if _docxtpl_helper is None:
            from docxtpl import DocxTemplate

            # Neither helper touches the loaded document, so an instance over
            # an empty stream (never opened) is enough.
            _docxtpl_helper = DocxTemplate(io.BytesIO(b""))
        return _docxtpl_helper


# --------------------------------------------------------------------------
# Post-processing shared by every rendered part
# --------------------------------------------------------------------------

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


def _resolve_sparse(xml: str) -> str:
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
                    fragment = fragment.replace("\n", _BREAK)
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
    return _resolve_sparse(xml)


def _unbrace(rendered: str) -> str:
    # docxtpl's escapes for literal braces.
    if "_" in rendered:
        rendered = (
            rendered.replace("{_{", "{{")
            .replace("}_}", "}}")
            .replace("{_%", "{%")
            .replace("%_}", "%}")
        )
    return rendered


def _unmark(rendered: str) -> str:
    # Undo the "\n" put before every paragraph for error line numbers, then
    # docxtpl's escapes for literal braces.
    return _unbrace(rendered.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>"))


def _finish(rendered: str) -> str:
    """docxtpl's post-processing of a rendered part: markers, then control characters."""
    return resolve_layout_characters(_unmark(rendered))


# Jinja output pieces joined per step of a streamed render: a few hundred
# table rows, a few hundred kilobytes.
_BATCH_PIECES = 4096


def _finished_chunks(pieces: Iterator[str]) -> Iterator[str]:
    """The output of a streamed template (``_streamed_template``) finished in
    consecutive chunks: brace escapes, then the layout pass. The output is
    well-formed XML without comments, CDATA sections or processing
    instructions, without the newlines put before paragraphs and with its
    line breaks already resolved, so this is ``_finish`` of what the checked
    template renders.

    Every chunk but the last ends just after a ``</w:p>``. No brace escape
    can straddle such a cut (they consist of ``{}%_`` only), and the
    paragraph scan of ``resolve_layout_characters`` is at rest there (see
    ``_resolve_sparse``: in such XML every ``<`` opens a tag and no tag holds
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
        yield _resolve_sparse(_unbrace(text[:end]))
    yield _resolve_sparse(_unbrace(carry))


# --------------------------------------------------------------------------
# Writing the package
# --------------------------------------------------------------------------

# Compressing the template's unchanged parts (styles, theme, numbering …)
# took most of a render's time when zipfile did it afresh each time; they
# are compressed once, and each render only compresses what it rendered.
_DEFLATE_LEVEL = 6
_UTF8_NAME_FLAG = 0x800


@dataclass(frozen=True)
class _Entry:
    name: bytes
    flags: int
    method: int
    dos_time: int
    dos_date: int
    crc: int
    compressed: bytes
    size: int
    external_attr: int


class _EntryWriter:
    """Compresses a part as its bytes arrive, keeping its CRC and size."""

    def __init__(self, info: zipfile.ZipInfo):
        self.info = info
        self.crc = 0
        self.size = 0
        self.chunks: list[bytes] = []
        self.compressor = (
            None if info.compress_type == zipfile.ZIP_STORED
            else zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -15)
        )

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self.chunks.append(data if self.compressor is None else self.compressor.compress(data))

    def close(self) -> _Entry:
        if self.compressor is not None:
            self.chunks.append(self.compressor.flush())
        info = self.info
        year, month, day, hour, minute, second = info.date_time
        return _Entry(
            name=info.filename.encode("utf-8"),
            flags=_UTF8_NAME_FLAG if not info.filename.isascii() else 0,
            method=zipfile.ZIP_STORED if self.compressor is None else zipfile.ZIP_DEFLATED,
            dos_time=(hour << 11) | (minute << 5) | (second // 2),
            dos_date=(max(year, 1980) - 1980) << 9 | (month << 5) | day,
            crc=self.crc & 0xFFFFFFFF,
            compressed=b"".join(self.chunks),
            size=self.size,
            external_attr=info.external_attr,
        )


def _entry(info: zipfile.ZipInfo, data: bytes) -> _Entry:
    writer = _EntryWriter(info)
    writer.write(data)
    return writer.close()


def _write_zip(entries: list[_Entry]) -> bytes:
    """A plain (non-ZIP64) zip archive of already compressed entries."""
    if len(entries) > 0xFFFF or any(len(e.compressed) > 0x7FFFFFFF or e.size > 0x7FFFFFFF for e in entries):
        raise TemplateRenderError("Văn bản tạo ra quá lớn.")
    chunks: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for e in entries:
        local = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, e.flags, e.method, e.dos_time, e.dos_date,
            e.crc, len(e.compressed), e.size, len(e.name), 0,
        )
        central.append(struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, e.flags, e.method, e.dos_time, e.dos_date,
            e.crc, len(e.compressed), e.size, len(e.name), 0, 0, 0, 0, e.external_attr, offset,
        ) + e.name)
        chunks += (local, e.name, e.compressed)
        offset += len(local) + len(e.name) + len(e.compressed)
    directory = b"".join(central)
    if offset > 0x7FFFFFFF:
        raise TemplateRenderError("Văn bản tạo ra quá lớn.")
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(chunks) + directory + end


# --------------------------------------------------------------------------
# Preparing a template (once per distinct template bytes)
# --------------------------------------------------------------------------

@dataclass
class _Part:
    name: str
    source: str  # patched XML that Jinja compiles (kept for variable analysis)
    template: jinja2.Template
    prefix: str = ""
    suffix: str = ""
    # The same template for the streamed render (see _streamed_template).
    streamed: jinja2.Template | None = None


@dataclass
class _Prepared:
    digest: str
    infos: list[zipfile.ZipInfo]
    raw: dict[str, bytes]
    body: _Part
    # Fast path: the body is rendered as a string between prefix and suffix.
    # Slow path (tables docxtpl would repair, pictures to renumber): the body
    # goes through lxml like docxtpl's own render.
    body_fast: bool
    body_open_subtree: str
    body_open_root: str
    document_xml: bytes
    entries: dict[str, _Entry] = field(default_factory=dict)  # unchanged parts, compressed
    others: list[_Part] = field(default_factory=list)  # headers, footers, footnotes
    core_name: str | None = None
    core_templates: dict[str, jinja2.Template] = field(default_factory=dict)
    core_sources: dict[str, str] = field(default_factory=dict)


_cache: "OrderedDict[str, _Prepared]" = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every prepared template (tests; a template replaced on disk is
    picked up anyway because the cache is keyed by content)."""
    with _cache_lock:
        _cache.clear()


def _read_source(template: Any) -> bytes:
    if isinstance(template, (bytes, bytearray, memoryview)):
        return bytes(template)
    if isinstance(template, (str, os.PathLike)):
        try:
            with open(template, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise TemplateRenderError(
                f"Không đọc được tệp mẫu văn bản {os.fspath(template)!s}: {exc.strerror or exc}."
            ) from exc
    if hasattr(template, "read"):
        return template.read()
    raise TypeError("template phải là đường dẫn tệp hoặc nội dung bytes của tệp .docx")


def _relationships(raw: dict[str, bytes], source_part: str) -> list[tuple[str, str]]:
    """(type, target part name) of the internal relationships of a part."""
    folder, name = posixpath.split(source_part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    if rels_name not in raw:
        return []
    root = etree.fromstring(raw[rels_name])
    result = []
    for rel in root.iter(f"{{{_NS_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        if target.startswith("/"):
            target_name = target.lstrip("/")
        else:
            target_name = posixpath.normpath(posixpath.join(folder, target))
        result.append((rel.get("Type", ""), target_name))
    return result


def _excerpt(source: str, lineno: int | None) -> str | None:
    # Source lines are paragraphs (a "\n" precedes every <w:p>), so the lines
    # around the error, stripped of tags, show the clerk where to look.
    if not lineno:
        return None
    lines = source.splitlines()[max(lineno - 2, 0): lineno + 1]
    text = " ".join(re.sub(r"<[^>]+>", "", line) for line in lines)
    text = " ".join(text.split())
    return text[:200] or None


def _compile(source: str, part_name: str) -> jinja2.Template:
    try:
        return _ENV.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        excerpt = _excerpt(source, exc.lineno)
        where = f" gần đoạn «{excerpt}»" if excerpt else ""
        raise TemplateRenderError(
            f"Mẫu văn bản có lỗi cú pháp trong phần {part_name}{where}: {exc.message}.",
            part=part_name,
            excerpt=excerpt,
        ) from exc


def _patch(xml: str) -> str:
    patched = _docxtpl().patch_xml(xml)
    # docxtpl puts a newline before each paragraph before compiling; keeping it
    # keeps Jinja's line numbers meaningful in error messages.
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)


def _split_root(root: etree._Element, body: etree._Element) -> tuple[str, str, str]:
    """Serialise the document element around its body: (head, body open tag, tail)."""
    marker = "DOCXBODYMARKER7f3c"
    clone = copy.deepcopy(root)
    clone_body = clone.find(f"{{{_NS_W}}}body")
    for child in list(clone_body):
        clone_body.remove(child)
    clone_body.text = marker
    text = etree.tostring(clone, encoding="unicode")
    at = text.index(marker)
    open_start = text.rindex("<", 0, at)
    close_end = text.index(">", at) + 1
    return text[:open_start], text[open_start:at], text[close_end:]


def _table_needs_repair(body: etree._Element) -> bool:
    """Whether docxtpl's fix_tables could change a table of this template."""
    w = f"{{{_NS_W}}}"
    for table in body.iter(f"{w}tbl"):
        grid = table.find(f"{w}tblGrid")
        columns = len(grid.findall(f"{w}gridCol")) if grid is not None else 0
        for row in table.iter(f"{w}tr"):
            span = 0
            for cell in row.findall(f"{w}tc"):
                grid_span = cell.find(f"{w}tcPr/{w}gridSpan")
                span += int(grid_span.get(f"{w}val")) if grid_span is not None else 1
            if span != columns:
                return True
        text = "".join(t.text or "" for t in table.iter(f"{w}t"))
        if _RAW_BLOCK_TAG.search(text):
            return True
    return False


# --------------------------------------------------------------------------
# Proving once that every render of a template is well-formed
# --------------------------------------------------------------------------

# Filters that give plain values (never Markup) for plain input. Left out:
# safe, escape/e, forceescape, tojson, urlize, xmlattr (Markup), and map,
# which applies any filter named in its arguments.
_PLAIN_FILTERS = frozenset({
    "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort",
    "filesizeformat", "first", "float", "format", "groupby", "indent", "int", "items", "join",
    "last", "length", "list", "lower", "max", "min", "pprint", "random", "reject", "rejectattr",
    "replace", "reverse", "round", "select", "selectattr", "slice", "sort", "string",
    "striptags", "sum", "title", "trim", "truncate", "unique", "upper", "urlencode",
    "wordcount", "wordwrap",
})
# Expressions over plain data that give plain data. No calls: a call may
# return Markup (lipsum(), a macro) or anything else.
_PLAIN_EXPRESSIONS = (
    nodes.Name, nodes.Const, nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.Filter,
    nodes.Test, nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Neg,
    nodes.Pos, nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod,
    nodes.Pow, nodes.Concat, nodes.CondExpr, nodes.Tuple, nodes.List, nodes.Dict, nodes.Pair,
    nodes.Keyword,
)
# Stands for a value in the skeleton of a template: a character allowed in
# text and attribute values but in no XML name or reference.
_HOLE = "\ue000"
_MARKER = re.compile(r"_[be][0-9]+")
# Elements whose regex matches (the layout pass, docxtpl's resolve_listing)
# are the elements themselves when none is nested in another of its kind.
_UNNESTED = ("p", "r", "t", "pPr", "rPr")


def _plain_expression(node: nodes.Node) -> bool:
    for item in (node, *node.find_all(nodes.Node)):
        if not isinstance(item, _PLAIN_EXPRESSIONS):
            return False
        if isinstance(item, nodes.Filter) and item.name not in _PLAIN_FILTERS:
            return False
    return True


def _skeleton(body: list[nodes.Node], pieces: list[str], blocks: list[int]) -> bool:
    """Append the skeleton of ``body`` to ``pieces``: its literal XML, a hole
    for each value, each loop or branch body between two marker elements.
    False when the template uses anything but output, ``for`` and ``if``
    over plain expressions."""
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    pieces.append(child.data)
                elif _plain_expression(child):
                    pieces.append(_HOLE)
                else:
                    return False
            continue
        if isinstance(node, nodes.For):
            if node.recursive or not _plain_expression(node.iter) or (
                node.test is not None and not _plain_expression(node.test)
            ):
                return False
            branches = [node.body, node.else_]
        elif isinstance(node, nodes.If):
            tests = [node.test, *(branch.test for branch in node.elif_)]
            if not all(_plain_expression(test) for test in tests):
                return False
            branches = [node.body, *(branch.body for branch in node.elif_), node.else_]
        else:
            return False
        for branch in branches:
            number = len(blocks)
            blocks.append(number)
            pieces.append(f"<_b{number}/>")
            if not _skeleton(branch, pieces, blocks):
                return False
            pieces.append(f"<_e{number}/>")
    return True


def _always_well_formed(source: str, prefix: str, suffix: str) -> bool:
    """Whether every render of the body template ``source`` (between
    ``prefix`` and ``suffix``), with a context of plain data (``_plain``),
    is well-formed XML once finished, so that it needs no parse.

    The skeleton of the template (literal XML, a hole for each value, each
    loop or branch body between markers) must parse; each body must lie
    between its markers as whole elements of one parent, so that leaving it
    out or repeating it keeps the XML well-formed; values (escaped text,
    no Markup possible from plain data and these expressions) may only stand
    in the text of a ``w:t`` in a ``w:r`` in a ``w:p``, where turning their
    control characters into breaks, tabs and paragraphs keeps elements
    balanced; and paragraphs, runs, texts and their properties must not nest,
    so that the layout pass's regex matches are those elements.
    """
    try:
        template = _ENV.parse(source)
    except jinja2.TemplateSyntaxError:
        return False
    pieces: list[str] = []
    blocks: list[int] = []
    if not _skeleton(template.body, pieces, blocks):
        return False
    skeleton = _unmark("".join(pieces))
    # No literal control characters, no namespace declared inside the body
    # (a moved paragraph property would leave its scope), and no comment,
    # CDATA section or processing instruction ("<" standing for itself).
    if any(mark in skeleton for mark in ("\t", "\n", "\x07", "\x0c", "xmlns", "<!", "<?")):
        return False
    try:
        root = etree.fromstring((prefix + skeleton + suffix).encode("utf-8"))
    except etree.XMLSyntaxError:
        return False

    def named(element: Any, local: str) -> bool:
        return element is not None and element.prefix == "w" and etree.QName(element).localname == local

    markers: dict[str, list[Any]] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            return False
        local = etree.QName(element).localname
        if element.prefix is None and _MARKER.fullmatch(local):
            markers.setdefault(local, []).append(element)
        if any(_HOLE in value for value in element.attrib.values()):
            return False
        for text, holder in ((element.text, element), (element.tail, element.getparent())):
            if text and _HOLE in text:
                run = holder.getparent() if named(holder, "t") else None
                if not (named(run, "r") and named(run.getparent(), "p")):
                    return False
        if element.prefix == "w" and local in _UNNESTED:
            if any(named(ancestor, local) for ancestor in element.iterancestors()):
                return False
    for n in blocks:
        start, end = markers.get(f"_b{n}", []), markers.get(f"_e{n}", [])
        if len(start) != 1 or len(end) != 1 or start[0].getparent() is not end[0].getparent():
            return False
    return True


_PARAGRAPH_NEWLINE = re.compile(r"\n<w:p([ >])")


def _streamed_template(source: str) -> jinja2.Template | None:
    """The body template for streamed renders, which finish chunk by chunk:
    compiled without the newlines ``_patch`` put before paragraphs (which
    ``_unmark`` would remove from the output), and with line breaks in
    values resolved as they are written. None when some of those newlines
    do not lie in template data (in a string, a comment, or stripped by
    ``-%}``), which removing them from the source could change.

    For a template ``_always_well_formed`` accepts, ``_unmark`` then has
    nothing left to remove but the brace escapes: the template's own text
    holds no other newline, and a value's newline stands in the text of a
    ``w:t``, never before ``<w:p``. A line break needs neither run nor
    paragraph properties, the replacement holds no other control character
    or brace, and it changes no paragraph or run match, so resolving it
    first leaves the layout pass the same work on everything else.
    """
    in_data = sum(
        len(_PARAGRAPH_NEWLINE.findall(value)) for _, kind, value in _STREAM_ENV.lex(source) if kind == "data"
    )
    if in_data != len(_PARAGRAPH_NEWLINE.findall(source)):
        return None
    return _STREAM_ENV.from_string(_PARAGRAPH_NEWLINE.sub(r"<w:p\1", source))


def _plain(context: Mapping[str, Any]) -> bool:
    """Whether ``context`` holds only dicts, lists and tuples of strings,
    numbers, booleans and None (so no value can be Markup or print illegal
    characters other than those finalize drops)."""
    stack: list[Any] = list(context.values())
    seen: set[int] = set()
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str or kind is int or kind is float or kind is bool or value is None:
            continue
        if kind is dict or kind is list or kind is tuple:
            if id(value) in seen:
                continue
            seen.add(id(value))
            if kind is dict:
                stack.extend(value.keys())
                stack.extend(value.values())
            else:
                stack.extend(value)
            continue
        return False
    return True


def _prepare(data: bytes, digest: str) -> _Prepared:
    from docx.oxml.parser import parse_xml  # python-docx's parser, as docxtpl loads

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > _MAX_UNPACKED:
            raise TemplateRenderError("Tệp mẫu quá lớn khi giải nén (quá 64 MB).")
        raw = {info.filename: archive.read(info.filename) for info in infos}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise TemplateRenderError("Tệp mẫu không phải là tệp .docx hợp lệ (không mở được).") from exc

    main = next((t for rt, t in _relationships(raw, "") if rt == _RT_OFFICE_DOCUMENT), None)
    if main is None or main not in raw:
        raise TemplateRenderError("Tệp mẫu không có phần nội dung văn bản (word/document.xml).")

    try:
        root = parse_xml(raw[main])
    except etree.XMLSyntaxError as exc:
        raise TemplateRenderError(f"Phần {main} của tệp mẫu không phải XML hợp lệ.") from exc
    body = root.find(f"{{{_NS_W}}}body")
    if body is None:
        raise TemplateRenderError(f"Phần {main} của tệp mẫu không có thân văn bản.")

    # docxtpl serialises the body on its own (namespace declarations repeated
    # on <w:body>); patching that exact string keeps the tag handling equal.
    subtree = etree.tostring(body, encoding="unicode")
    source = _patch(subtree)
    open_subtree = subtree[: subtree.index(">") + 1]
    head, open_root, tail = _split_root(root, body)

    body_text = "".join(t.text or "" for t in body.iter(f"{{{_NS_W}}}t"))
    fast = (
        not subtree.endswith("/>")
        and source.startswith(open_subtree)
        and not _CELL_TAGS.search(body_text)
        and "docPr" not in subtree
        and not _table_needs_repair(body)
    )
    if fast:
        body_source = open_root + source[len(open_subtree):]
        body_part = _Part(main, source, _compile(body_source, main), _XML_DECLARATION + head, tail)
        if _always_well_formed(body_source, body_part.prefix, tail):
            body_part.streamed = _streamed_template(body_source)
    else:
        body_part = _Part(main, source, _compile(source, main))

    others: list[_Part] = []
    for rel_type, target in _relationships(raw, main):
        if rel_type in (_RT_HEADER, _RT_FOOTER) and raw.get(target):
            xml = etree.tostring(parse_xml(raw[target]), encoding="unicode")
            patched = _patch(xml)
            others.append(_Part(target, patched, _compile(patched, target), _XML_DECLARATION))

    if "[Content_Types].xml" in raw:
        types = etree.fromstring(raw["[Content_Types].xml"])
        for override in types.iter(f"{{{_NS_CT}}}Override"):
            name = override.get("PartName", "").lstrip("/")
            if override.get("ContentType") == _CT_FOOTNOTES and name in raw:
                # docxtpl renders the footnotes part's bytes as they are.
                patched = _patch(raw[name].decode("utf-8"))
                others.append(_Part(name, patched, _compile(patched, name)))

    prepared = _Prepared(
        digest=digest,
        infos=infos,
        raw=raw,
        body=body_part,
        body_fast=fast,
        body_open_subtree=open_subtree,
        body_open_root=open_root,
        document_xml=raw[main],
        others=others,
    )

    core = next((t for rt, t in _relationships(raw, "") if rt == _RT_CORE_PROPERTIES), None)
    if core and core in raw:
        core_root = etree.fromstring(raw[core])
        for prop, tag in _CORE_PROPERTIES.items():
            element = core_root.find(tag)
            # Plain text renders to itself, so only properties holding tags
            # need the Jinja pass docxtpl gives them all.
            if element is not None and element.text and _JINJA_MARK.search(element.text):
                prepared.core_templates[prop] = _compile(element.text, core)
                prepared.core_sources[prop] = element.text
        if prepared.core_templates:
            prepared.core_name = core
    rendered_names = {body_part.name, prepared.core_name, *(p.name for p in others)}
    prepared.entries = {
        info.filename: _entry(info, raw[info.filename])
        for info in infos
        if info.filename not in rendered_names
    }
    return prepared


def _prepared_for(template: Any) -> _Prepared:
    data = _read_source(template)
    digest = hashlib.sha256(data).hexdigest()
    with _cache_lock:
        prepared = _cache.get(digest)
        if prepared is not None:
            _cache.move_to_end(digest)
            return prepared
    # Compile outside the lock: two threads may both prepare a new template
    # once, which is harmless, instead of serialising every render behind it.
    prepared = _prepare(data, digest)
    with _cache_lock:
        prepared = _cache.setdefault(digest, prepared)
        _cache.move_to_end(digest)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return prepared


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

@contextlib.contextmanager
def _render_errors(part: _Part) -> Iterator[None]:
    """Turn what rendering ``part`` raises into ``TemplateRenderError``."""
    try:
        yield
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateRenderError(
            f"Mẫu văn bản dùng một thao tác không được phép ({exc}); "
            "mẫu chỉ được chèn dữ liệu, không được truy cập nội bộ hệ thống.",
            part=part.name,
        ) from exc
    except jinja2.UndefinedError as exc:
        raise TemplateRenderError(
            f"Thiếu dữ liệu cho mẫu văn bản (phần {part.name}): {exc.message}.",
            part=part.name,
        ) from exc
    except jinja2.TemplateError as exc:
        raise TemplateRenderError(
            f"Không tạo được văn bản từ mẫu (phần {part.name}): {exc}.", part=part.name
        ) from exc
    except Exception as exc:  # an expression in the template failed (1/0, bad filter args …)
        raise TemplateRenderError(
            f"Không tạo được văn bản từ mẫu (phần {part.name}): {type(exc).__name__}: {exc}.",
            part=part.name,
        ) from exc


def _run(part: _Part, context: Mapping[str, Any]) -> str:
    with _render_errors(part):
        return part.template.render(context)


def _render_body_slow(prepared: _Prepared, rendered: str) -> bytes:
    """docxtpl's own path: recovering parse, table repair, picture ids, re-serialise."""
    from docx.oxml.parser import parse_xml

    helper = _docxtpl()
    tree = helper.fix_tables(rendered)
    next_id = 1000
    for element in tree.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"):
        next_id += 1
        element.attrib["id"] = str(next_id)
    root = parse_xml(prepared.document_xml)
    root.replace(root.find(f"{{{_NS_W}}}body"), tree)
    return etree.tostring(root, encoding="UTF-8", standalone=True)


def _render_body_checked(prepared: _Prepared, context: Mapping[str, Any]) -> bytes:
    part = prepared.body
    rendered = _finish(_run(part, context))
    if not prepared.body_fast:
        return _render_body_slow(prepared, rendered)
    data = (part.prefix + rendered + part.suffix).encode("utf-8")
    try:
        # A well-formed result is what docxtpl would write too; only a broken
        # one (a block tag that cuts through XML elements) needs docxtpl's
        # recovering parse, and then gets exactly the same treatment.
        etree.fromstring(data)
    except etree.XMLSyntaxError:
        standalone = prepared.body_open_subtree + rendered[len(prepared.body_open_root):]
        return _render_body_slow(prepared, standalone)
    return data


def _stream_body(prepared: _Prepared, context: Mapping[str, Any], info: zipfile.ZipInfo) -> _Entry:
    """The fast path without holding the document: each finished chunk is
    encoded and compressed into the zip entry as it comes. Only for a
    template proven always well-formed and a plain context, so the result
    needs no parse (and is what ``_render_body_checked`` would return)."""
    part = prepared.body
    writer = _EntryWriter(info)
    writer.write(part.prefix.encode("utf-8"))
    with contextlib.closing(_finished_chunks(part.streamed.generate(context))) as chunks:
        while True:
            with _render_errors(part):
                chunk = next(chunks, None)
            if chunk is None:
                break
            writer.write(chunk.encode("utf-8"))
    writer.write(part.suffix.encode("utf-8"))
    return writer.close()


def _render_body(prepared: _Prepared, context: Mapping[str, Any], info: zipfile.ZipInfo) -> _Entry:
    if prepared.body.streamed is not None and _plain(context):
        return _stream_body(prepared, context, info)
    return _entry(info, _render_body_checked(prepared, context))


def _render_core(prepared: _Prepared, context: Mapping[str, Any]) -> bytes:
    root = etree.fromstring(prepared.raw[prepared.core_name])
    for prop, template in prepared.core_templates.items():
        value = _run(_Part(prepared.core_name, prepared.core_sources[prop], template), context)
        root.find(_CORE_PROPERTIES[prop]).text = _XML_ILLEGAL.sub("", value)
    return etree.tostring(root, encoding="UTF-8", standalone=True)


def render_docx(template: Any, context: Mapping[str, Any]) -> bytes:
    """Render a .docx template with ``context`` and return the new document's bytes.

    ``template`` is a path or the template's bytes. Values are XML-escaped,
    rendering is sandboxed and every variable must be present; any failure
    raises ``TemplateRenderError``. Safe to call from several threads.
    """
    if not isinstance(context, Mapping):
        raise TypeError("context phải là một dict")
    prepared = _prepared_for(template)
    infos = {info.filename: info for info in prepared.infos}
    body_entry = _render_body(prepared, context, infos[prepared.body.name])
    rendered: dict[str, bytes] = {}
    for part in prepared.others:
        text = _finish(_run(part, context))
        data = (part.prefix + text).encode("utf-8")
        if part.prefix:
            try:
                # python-docx re-parses headers and footers strictly when
                # docxtpl puts them back, so a broken one fails there too.
                etree.fromstring(data)
            except etree.XMLSyntaxError as exc:
                raise TemplateRenderError(
                    f"Phần {part.name} của mẫu tạo ra XML không hợp lệ "
                    "(thẻ mẫu cắt ngang cấu trúc văn bản).",
                    part=part.name,
                ) from exc
        rendered[part.name] = data
    if prepared.core_name:
        rendered[prepared.core_name] = _render_core(prepared, context)

    entries = [
        body_entry if info.filename == prepared.body.name
        else _entry(info, rendered[info.filename]) if info.filename in rendered
        else prepared.entries[info.filename]
        for info in prepared.infos
    ]
    return _write_zip(entries)


def template_sources(template: Any) -> dict[str, str]:
    """Return the Jinja source of every rendered part of a template, by part
    name (core properties as ``docProps/core.xml#<property>``).

    The sources are the patched XML the engine compiles, for checks that
    need the whole syntax tree (e.g. of a template a unit uploads).
    """
    prepared = _prepared_for(template)
    sources = {prepared.body.name: prepared.body.source}
    sources.update((part.name, part.source) for part in prepared.others)
    sources.update((f"{prepared.core_name}#{prop}", source) for prop, source in prepared.core_sources.items())
    return sources


def template_variables(template: Any) -> set[str]:
    """Return the names a template reads from its context (body, headers,
    footers, footnotes and templated core properties)."""
    prepared = _prepared_for(template)
    sources: Iterable[str] = [prepared.body.source, *(p.source for p in prepared.others)]
    names: set[str] = set()
    for source in [*sources, *prepared.core_sources.values()]:
        names |= meta.find_undeclared_variables(_ENV.parse(source))
    return names


def check_template(template: Any, sample_context: Mapping[str, Any]) -> list[str]:
    """Check a template against a sample context and list the problems found.

    Reports, in Vietnamese: a file that does not open as a .docx template, a
    syntax error, variables the template uses that the sample does not
    provide, a render that fails, and a result python-docx cannot open. An
    empty list means the template is usable with data shaped like the sample.
    """
    problems: list[str] = []
    try:
        variables = template_variables(template)
    except TemplateRenderError as exc:
        return [str(exc)]
    missing = sorted(variables - set(sample_context))
    for name in missing:
        problems.append(f"Mẫu dùng biến «{name}» nhưng dữ liệu không có biến này.")
    if missing:
        return problems
    try:
        output = render_docx(template, sample_context)
    except TemplateRenderError as exc:
        problems.append(str(exc))
        return problems
    try:
        import docx

        docx.Document(io.BytesIO(output))
    except Exception as exc:  # any failure to load means Word would refuse it too
        problems.append(f"Văn bản tạo từ mẫu không mở được: {exc}.")
    return problems
