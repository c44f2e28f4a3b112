"""Preparing a template once per distinct bytes: what docxtpl does on every render.

The package is unpacked, the body, headers, footers, footnotes and templated
core properties are patched with docxtpl's own ``patch_xml`` (which joins the
runs Word splits a tag into and turns ``{%p``, ``{%tr`` … into plain Jinja)
and compiled; the unchanged parts are compressed once. A body that docxtpl
would repair afterwards (cell tags, tables with a broken grid, pictures to
renumber) is marked for the slower path that does the same.
"""

from __future__ import annotations

import copy
import io
import posixpath
import re
import threading
import zipfile
from dataclasses import dataclass, field

import jinja2
from lxml import etree

from .proof import always_well_formed, streamed_template
from .sandbox import ENV, TemplateRenderError
from .zipwriter import Entry, zip_entry

__all__ = ["CORE_PROPERTIES", "NS_W", "Part", "Prepared", "docxtpl_helper", "prepare_template"]

NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
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
CORE_PROPERTIES = {
    "author": "{http://purl.org/dc/elements/1.1/}creator",
    "comments": "{http://purl.org/dc/elements/1.1/}description",
    "identifier": "{http://purl.org/dc/elements/1.1/}identifier",
    "language": "{http://purl.org/dc/elements/1.1/}language",
    "subject": "{http://purl.org/dc/elements/1.1/}subject",
    "title": "{http://purl.org/dc/elements/1.1/}title",
}

_JINJA_MARK = re.compile(r"\{[{%#]")


# Tags whose output changes a table's cell count: docxtpl repairs the grid of
# such tables afterwards (fix_tables), so a template using them takes the
# slower path that does the same.
_CELL_TAGS = re.compile(r"\{[{%]tc |\{%\s*(?:hm|colspan)\b")
# A plain Jinja block tag written inside a table cell could remove cells too.
_RAW_BLOCK_TAG = re.compile(r"\{%[\s\-+]")


# A template is a few dozen kilobytes; a much larger unpacked size means a
# damaged or hostile file, refused before it is read into memory.
_MAX_UNPACKED = 64 * 2**20


_docxtpl_helper = None
_helper_lock = threading.Lock()


def docxtpl_helper():
    """A DocxTemplate used only for its XML helpers (patch_xml, fix_tables)."""
    global _docxtpl_helper
    with _helper_lock:
        if _docxtpl_helper is None:
            from docxtpl import DocxTemplate

            # Neither helper touches the loaded document, so an instance over
            # an empty stream (never opened) is enough.
            _docxtpl_helper = DocxTemplate(io.BytesIO(b""))
        return _docxtpl_helper


@dataclass
class Part:
    name: str
    source: str  # patched XML that Jinja compiles (kept for variable analysis)
    template: jinja2.Template
    prefix: str = ""
    suffix: str = ""
    # The same template for the streamed render (see streamed_template).
    streamed: jinja2.Template | None = None


@dataclass
class Prepared:
    digest: str
    infos: list[zipfile.ZipInfo]
    raw: dict[str, bytes]
    body: Part
    # Fast path: the body is rendered as a string between prefix and suffix.
    # Slow path (tables docxtpl would repair, pictures to renumber): the body
    # goes through lxml like docxtpl's own render.
    body_fast: bool
    body_open_subtree: str
    body_open_root: str
    document_xml: bytes
    entries: dict[str, Entry] = field(default_factory=dict)  # unchanged parts, compressed
    others: list[Part] = field(default_factory=list)  # headers, footers, footnotes
    core_name: str | None = None
    core_templates: dict[str, jinja2.Template] = field(default_factory=dict)
    core_sources: dict[str, str] = field(default_factory=dict)


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
        return ENV.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        excerpt = _excerpt(source, exc.lineno)
        where = f" gần đoạn «{excerpt}»" if excerpt else ""
        raise TemplateRenderError(
            f"Mẫu văn bản có lỗi cú pháp trong phần {part_name}{where}: {exc.message}.",
            part=part_name,
            excerpt=excerpt,
        ) from exc


def _patch(xml: str) -> str:
    patched = docxtpl_helper().patch_xml(xml)
    # docxtpl puts a newline before each paragraph before compiling; keeping it
    # keeps Jinja's line numbers meaningful in error messages.
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)


def _split_root(root: etree._Element, body: etree._Element) -> tuple[str, str, str]:
    """Serialise the document element around its body: (head, body open tag, tail)."""
    marker = "DOCXBODYMARKER7f3c"
    clone = copy.deepcopy(root)
    clone_body = clone.find(f"{{{NS_W}}}body")
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
    w = f"{{{NS_W}}}"
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


def prepare_template(data: bytes, digest: str) -> Prepared:
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
    body = root.find(f"{{{NS_W}}}body")
    if body is None:
        raise TemplateRenderError(f"Phần {main} của tệp mẫu không có thân văn bản.")

    # docxtpl serialises the body on its own (namespace declarations repeated
    # on <w:body>); patching that exact string keeps the tag handling equal.
    subtree = etree.tostring(body, encoding="unicode")
    source = _patch(subtree)
    open_subtree = subtree[: subtree.index(">") + 1]
    head, open_root, tail = _split_root(root, body)

    body_text = "".join(t.text or "" for t in body.iter(f"{{{NS_W}}}t"))
    fast = (
        not subtree.endswith("/>")
        and source.startswith(open_subtree)
        and not _CELL_TAGS.search(body_text)
        and "docPr" not in subtree
        and not _table_needs_repair(body)
    )
    if fast:
        body_source = open_root + source[len(open_subtree):]
        body_part = Part(main, source, _compile(body_source, main), _XML_DECLARATION + head, tail)
        if always_well_formed(body_source, body_part.prefix, tail):
            body_part.streamed = streamed_template(body_source)
    else:
        body_part = Part(main, source, _compile(source, main))

    others: list[Part] = []
    for rel_type, target in _relationships(raw, main):
        if rel_type in (_RT_HEADER, _RT_FOOTER) and raw.get(target):
            xml = etree.tostring(parse_xml(raw[target]), encoding="unicode")
            patched = _patch(xml)
            others.append(Part(target, patched, _compile(patched, target), _XML_DECLARATION))

    if "[Content_Types].xml" in raw:
        types = etree.fromstring(raw["[Content_Types].xml"])
        for override in types.iter(f"{{{_NS_CT}}}Override"):
            name = override.get("PartName", "").lstrip("/")
            if override.get("ContentType") == _CT_FOOTNOTES and name in raw:
                # docxtpl renders the footnotes part's bytes as they are.
                patched = _patch(raw[name].decode("utf-8"))
                others.append(Part(name, patched, _compile(patched, name)))

    prepared = Prepared(
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
        for prop, tag in CORE_PROPERTIES.items():
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
        info.filename: zip_entry(info, raw[info.filename])
        for info in infos
        if info.filename not in rendered_names
    }
    return prepared
