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

Safety: templates are edited by clerks, so they run in Jinja's sandbox
(``{{ ''.__class__ }}`` fails), values are XML-escaped (``Công ty A&B <Chi
nhánh 1>`` comes out exactly) and a missing variable is an error, never a
silent blank. Every failure surfaces as ``TemplateRenderError`` with a
Vietnamese message.
"""

from __future__ import annotations

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
from typing import Any, Iterable, Mapping

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

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
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return _XML_ILLEGAL.sub("", value)
    return value


def make_environment() -> SandboxedEnvironment:
    """Return the Jinja environment templates are rendered with.

    Sandboxed, autoescaping, ``StrictUndefined``; exposed so tests and the
    benchmark can give plain docxtpl an equivalent one.
    """
    return SandboxedEnvironment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_xml_safe,
    )


_ENV = make_environment()
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


def resolve_layout_characters(xml: str) -> str:
    """Turn ``\\t``, ``\\a``, ``\\n`` and ``\\f`` inside text runs into tabs,
    paragraphs, line breaks and page breaks, as docxtpl does after rendering."""
    if not _LAYOUT_CHARS.search(xml):
        return xml
    return _PARAGRAPH.sub(_resolve_paragraph, xml)


def _finish(rendered: str) -> str:
    # Undo the "\n" put before every paragraph for error line numbers, then
    # docxtpl's escapes for literal braces, then the control characters.
    rendered = rendered.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
    if "_" in rendered:
        rendered = (
            rendered.replace("{_{", "{{")
            .replace("}_}", "}}")
            .replace("{_%", "{%")
            .replace("%_}", "%}")
        )
    return resolve_layout_characters(rendered)


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


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _entry(info: zipfile.ZipInfo, data: bytes) -> _Entry:
    year, month, day, hour, minute, second = info.date_time
    name = info.filename.encode("utf-8")
    flags = _UTF8_NAME_FLAG if not info.filename.isascii() else 0
    if info.compress_type == zipfile.ZIP_STORED:
        method, compressed = zipfile.ZIP_STORED, data
    else:
        method, compressed = zipfile.ZIP_DEFLATED, _deflate(data)
    return _Entry(
        name=name,
        flags=flags,
        method=method,
        dos_time=(hour << 11) | (minute << 5) | (second // 2),
        dos_date=(max(year, 1980) - 1980) << 9 | (month << 5) | day,
        crc=zlib.crc32(data) & 0xFFFFFFFF,
        compressed=compressed,
        size=len(data),
        external_attr=info.external_attr,
    )


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

def _run(part: _Part, context: Mapping[str, Any]) -> str:
    try:
        return part.template.render(context)
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


def _render_body(prepared: _Prepared, context: Mapping[str, Any]) -> bytes:
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
    rendered: dict[str, bytes] = {prepared.body.name: _render_body(prepared, context)}
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
        _entry(info, rendered[info.filename]) if info.filename in rendered else prepared.entries[info.filename]
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
