"""Checks of a .docx template that a unit uploads to replace a committed one.

A clerk may lay out the decision or the certificates the way the province
prints them, but the file is untrusted input: it may not be a Word file, be
far larger once unpacked than uploaded, read data it should not see, or hold
template code that runs for minutes. ``check_uploaded_template`` lists every
problem in Vietnamese; an empty list means the template may be stored.

Rendering itself is already safe against the worst (Jinja's sandbox refuses
``{{ ''.__class__.__mro__ }}``; values are escaped); on top of it the
template's syntax tree is checked against a short allow-list, so that only
what the built-in templates use passes: printing a value (a name or its
attributes, ``{{ row.full_name }}``, without filters), ``for`` over the data
and ``if``. Nothing computes: no function calls, no arithmetic, no constants
to print, no ``{% set %}``, no macros or includes, no ``self``; a loop inside
a loop must walk a part of the outer item, like ``section.rows``. An ``if``
may compare with a small constant and count a list (``rows|length > 1``).

The check reads the text of the package's parts and parses it (parsing
evaluates nothing) before the engine compiles the template: Jinja's compiler
folds constant expressions, so ``{{ 'a' * 1000000000 }}`` would build a
gigabyte while compiling, long before any render.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from typing import Any, Iterable, Mapping

from jinja2 import TemplateSyntaxError, nodes

from .. import office_package
from ..documents import engine
from ..documents.builders import ALL_DOCUMENT_KINDS
from ..documents.engine import TemplateRenderError

__all__ = [
    "MAX_TEMPLATE_BYTES",
    "MAX_UNPACKED_BYTES",
    "TEMPLATE_KINDS",
    "check_uploaded_template",
]

MAX_TEMPLATE_BYTES = office_package.MAX_PACKAGE_BYTES
# A letter-sized template with a logo unpacks to well under this; the
# engine refuses more than 64 MB anyway, this says so before any parsing.
MAX_UNPACKED_BYTES = office_package.MAX_UNPACKED_BYTES
# Numbers a document template could need (a year, a count); larger literals
# only serve to build huge strings or loops.
MAX_CONSTANT = 10_000

TEMPLATE_KINDS = ALL_DOCUMENT_KINDS


# What printing and looping may use: a name and its attributes.
_VALUE_NODES = (nodes.Name, nodes.Getattr)
# What an ``if`` (or a loop's filter) may use besides: logic, comparison with a constant, a count.
_TEST_NODES = (*_VALUE_NODES, nodes.Not, nodes.And, nodes.Or, nodes.Compare, nodes.Operand, nodes.Const,
               nodes.Filter, nodes.Test)
_TEST_FILTERS = frozenset({"length", "count"})
_TESTS = frozenset({"defined", "undefined", "none", "true", "false", "number", "string"})
# Names Jinja gives meaning to whatever the context holds.
_RESERVED_NAMES = frozenset({"self", "super", "caller", "varargs", "kwargs", "loop", "range", "dict", "lipsum",
                             "cycler", "joiner", "namespace"})
_MAX_TEXT_CONSTANT = 200

_PART_LABELS = {"word/document.xml": "phần thân văn bản"}


# What the shared package check finds, said about a Word template.
_PACKAGE_MESSAGES = {
    "missing": "Không nhận được nội dung tệp mẫu.",
    "empty": "Không nhận được nội dung tệp mẫu.",
    "too_large": "Tệp mẫu quá lớn: tối đa 5 MB.",
    "not_zip": "Tệp mẫu không phải là tệp Word .docx (tệp .doc cũ cần lưu lại dưới dạng .docx).",
    "damaged": "Tệp mẫu bị hỏng, không mở được.",
    "unpacks_too_large": "Tệp mẫu có dung lượng giải nén bất thường (nghi tệp độc hại), không xử lý.",
    "not_this_format": "Tệp mẫu không phải là tệp Word .docx.",
    "macro": "Tệp mẫu có chứa macro; hãy lưu lại dưới dạng .docx thông thường.",
    "unsafe_name": "Tệp mẫu có thành phần mang tên không hợp lệ (chứa «..» hoặc đường dẫn tuyệt đối), không xử lý.",
    "external_link": "Tệp mẫu có liên kết ra ngoài (địa chỉ web hoặc tệp bên ngoài, ví dụ ảnh chèn bằng liên kết); "
                     "hãy bỏ liên kết hoặc chèn trực tiếp rồi lưu lại.",
}


def _package_problems(data: Any) -> list[str]:
    problem = office_package.package_problem(data, office_package.DOCX, max_bytes=MAX_TEMPLATE_BYTES,
                                             max_unpacked=MAX_UNPACKED_BYTES)
    return [_PACKAGE_MESSAGES[problem]] if problem else []


def _root_name(node: nodes.Node) -> str | None:
    """The variable an expression starts from: ``section`` for ``section.rows|list``."""
    while True:
        if isinstance(node, nodes.Name):
            return node.name
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            node = node.node
        elif isinstance(node, nodes.Filter) and node.node is not None:
            node = node.node
        else:
            return None


def _target_names(target: nodes.Node) -> set[str]:
    return {n.name for n in target.find_all(nodes.Name)} | (
        {target.name} if isinstance(target, nodes.Name) else set())


def _syntax_problems(tree: nodes.Template) -> list[str]:
    problems: list[str] = []

    def add(message: str) -> None:
        if message not in problems:
            problems.append(message)

    def refuse(node: nodes.Node) -> None:
        if isinstance(node, nodes.Call):
            add("Mẫu gọi hàm (dạng «ten(...)»), điều không được phép: mẫu chỉ được chèn dữ liệu.")
        elif isinstance(node, (nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow)):
            add("Mẫu dùng phép nhân, chia hoặc lũy thừa, điều không được phép trong mẫu văn bản.")
        elif isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            add("Mẫu nạp mẫu khác (include/import/extends), điều không được phép.")
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            add("Mẫu định nghĩa macro, điều không được phép.")
        elif isinstance(node, nodes.Filter):
            add(f"Mẫu dùng bộ lọc «{node.name}» không được phép.")
        elif isinstance(node, nodes.Const) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool) and abs(node.value) > MAX_CONSTANT:
            add(f"Mẫu có số quá lớn ({node.value}); mẫu văn bản không cần số lớn hơn {MAX_CONSTANT}.")
        elif isinstance(node, (nodes.Const, nodes.TemplateData)) or isinstance(node, nodes.BinExpr) \
                or isinstance(node, (nodes.Concat, nodes.CondExpr, nodes.Neg, nodes.Pos, nodes.Slice,
                                     nodes.Getitem, nodes.List, nodes.Tuple, nodes.Dict)):
            add("Mẫu tính toán thay vì in dữ liệu (phép tính, hằng số, chỉ số [..]); mẫu chỉ được in "
                "tên biến và thuộc tính của nó, ví dụ «{{ row.full_name }}».")
        else:
            add(f"Mẫu dùng cú pháp «{type(node).__name__}» không được phép trong mẫu văn bản.")

    def value(node: nodes.Node, loop_names: frozenset[str], in_test: bool = False) -> None:
        """An expression: a name and attributes; in a test also logic, comparisons and a count."""
        allowed = _TEST_NODES if in_test else _VALUE_NODES
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
                and isinstance(node.arg.value, str) and node.arg.value.startswith("_"):
            add(f"Mẫu truy cập thuộc tính nội bộ «{node.arg.value}», điều không được phép.")
            return
        if not isinstance(node, allowed):
            refuse(node)
            return
        if isinstance(node, nodes.Name) and node.name in _RESERVED_NAMES \
                and not (node.name == "loop" and "loop" in loop_names):
            add(f"Mẫu dùng tên dành riêng «{node.name}», điều không được phép.")
            return
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            add(f"Mẫu truy cập thuộc tính nội bộ «{node.attr}», điều không được phép.")
            return
        if isinstance(node, nodes.Filter) and (node.name not in _TEST_FILTERS or node.args or node.kwargs):
            refuse(node)
            return
        if isinstance(node, nodes.Test) and (node.name not in _TESTS or node.args or node.kwargs):
            add(f"Mẫu dùng phép thử «{node.name}» không được phép.")
            return
        if isinstance(node, nodes.Const) and not (
                node.value is None or isinstance(node.value, bool)
                or (isinstance(node.value, (int, float)) and abs(node.value) <= MAX_CONSTANT)
                or (isinstance(node.value, str) and len(node.value) <= _MAX_TEXT_CONSTANT)):
            refuse(node)
            return
        for child in node.iter_child_nodes():
            value(child, loop_names, in_test)

    def statement(node: nodes.Node, loop_names: frozenset[str], depth: int) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    value(child, loop_names)
        elif isinstance(node, nodes.If):
            value(node.test, loop_names, in_test=True)
            for child in (*node.body, *node.elif_, *node.else_):
                statement(child, loop_names, depth)
        elif isinstance(node, nodes.For):
            if node.recursive:
                add("Mẫu dùng vòng lặp đệ quy, điều không được phép.")
            if not isinstance(node.target, nodes.Name) and not (
                    isinstance(node.target, nodes.Tuple) and all(isinstance(n, nodes.Name) for n in node.target.items)):
                add("Biến của vòng lặp phải là một tên đơn giản.")
            root = _root_name(node.iter)
            if depth > 0 and root not in loop_names:
                add("Vòng lặp lồng nhau phải lặp trên một phần của phần tử vòng lặp ngoài "
                    "(ví dụ «section.rows»), không lặp lại trên toàn bộ dữ liệu.")
            value(node.iter, loop_names)
            inner = frozenset(loop_names | _target_names(node.target) | {"loop"})
            if node.test is not None:
                value(node.test, inner, in_test=True)
            for child in node.body:
                statement(child, inner, depth + 1)
            for child in node.else_:
                statement(child, loop_names, depth)
        else:
            refuse(node)

    for child in tree.body:
        statement(child, frozenset(), 0)
    return problems


# docxtpl's paragraph, row, cell and run tags ({%p if %}, {%tr for %}, {{r x }}) as plain Jinja.
_DOCXTPL_TAG = re.compile(r"\{([{%])(?:p|tr|tc|r)\s")
_XML_TAG = re.compile(r"<[^>]*>")
_TEMPLATED_PART = re.compile(r"^(word/[^/]+\.xml|docProps/core\.xml)$")


def _early_problems(data: bytes) -> list[str]:
    """The allow-list applied to the text of every templated part, before the engine compiles anything.

    The text is the parts' XML without its tags (a tag split over runs comes
    back whole); a text that does not parse is a syntax error either way.
    """
    problems: list[str] = []
    environment = engine.make_environment()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(archive.namelist()):
            if not _TEMPLATED_PART.match(name):
                continue
            text = html.unescape(_XML_TAG.sub("", archive.read(name).decode("utf-8", "replace")))
            if "{" not in text:
                continue
            try:
                tree = environment.parse(_DOCXTPL_TAG.sub(r"{\1 ", text))
            except TemplateSyntaxError as error:
                problems.append(f"Mẫu có lỗi cú pháp ở {_where(name)} (dòng chữ thứ {error.lineno}): "
                                f"{_syntax_message(error)}")
                continue
            for problem in _syntax_problems(tree):
                message = f"{problem.rstrip('.')} (ở {_where(name)})."
                if message not in problems:
                    problems.append(message)
    return problems


def _syntax_message(error: TemplateSyntaxError) -> str:
    if "unexpected end of template" in (error.message or ""):
        return "thiếu dấu đóng «}}» hoặc «%}», hoặc thiếu «endfor»/«endif»."
    return "thẻ mẫu viết chưa đúng; kiểm tra các dấu «{{ }}» và «{% %}»."


def _where(part: str) -> str:
    label = _PART_LABELS.get(part)
    if label:
        return label
    if part.startswith("word/header"):
        return "phần đầu trang"
    if part.startswith("word/footer"):
        return "phần chân trang"
    return f"phần {part}"


def check_uploaded_template(
    kind: str,
    docx_bytes: bytes,
    sample_context: Mapping[str, Any],
    allowed_variables: Iterable[str] | None,
) -> list[str]:
    """List, in Vietnamese, the problems of an uploaded template for document ``kind``.

    Checks, in order: the file (a .docx of at most 5 MB, no zip bomb, no
    macro, opens with python-docx), the template's syntax and the
    constructs it uses (see the module's doc), its variables (each must be
    in ``allowed_variables``; ``None`` means the keys of ``sample_context``),
    then renders ``sample_context`` in the engine's sandbox and opens the
    result. An empty list means the template is usable.
    """
    if kind not in TEMPLATE_KINDS:
        return [f"Loại văn bản không hợp lệ: {kind!r}."]
    problems = _package_problems(docx_bytes)
    if problems:
        return problems
    data = bytes(docx_bytes)
    try:
        import docx

        docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds of errors on a malformed package
        return ["Tệp mẫu không mở được bằng trình đọc Word (tệp hỏng hoặc không phải văn bản Word)."]

    problems = _early_problems(data)
    if problems:
        # Nothing of a template that fails the allow-list is compiled, let alone run.
        return problems
    try:
        sources = engine.template_sources(data)
        trees = {part: engine.make_environment().parse(source) for part, source in sources.items()}
        variables = engine.template_variables(data)
    except TemplateRenderError as exc:
        return [str(exc)]

    for part, tree in trees.items():
        for problem in _syntax_problems(tree):
            message = f"{problem.rstrip('.')} (ở {_where(part)})."
            if message not in problems:
                problems.append(message)

    allowed = set(sample_context) if allowed_variables is None else set(allowed_variables)
    for name in sorted(variables - allowed):
        problems.append(f"Mẫu dùng biến «{name}» không có trong danh sách biến được phép của loại văn bản này.")
    if kind == "certificates" and "certificates" not in variables:
        problems.append("Mẫu giấy khen phải lặp qua biến «certificates» để in mỗi người một trang.")
    if not variables:
        problems.append("Mẫu không dùng biến nào: văn bản tạo ra sẽ không có dữ liệu của hồ sơ.")
    if problems:
        # A template that failed the checks above is not run at all.
        return problems

    try:
        output = engine.render_docx(data, sample_context)
    except TemplateRenderError as exc:
        return [f"Không tạo được văn bản mẫu từ dữ liệu thử: {exc}"]
    try:
        import docx

        docx.Document(io.BytesIO(output))
    except Exception:  # any failure to load means Word would refuse it too
        return ["Văn bản tạo từ mẫu không mở được (thẻ mẫu cắt ngang cấu trúc văn bản)."]
    return []
