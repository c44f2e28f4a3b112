"""Reading YAML while remembering on which line every value stands.

Schema errors are only useful to the person editing the file when they say
"line 42"; PyYAML's plain loader forgets where values came from, so this
module composes the node tree (which keeps marks) and builds the Python
values itself, recording the line of each path on the way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import yaml

__all__ = ["Path", "SourceError", "SourceProblem", "YamlDocument", "load_yaml_document"]

#: A position in the data: mapping keys and list indexes, outermost first.
Path = tuple[Union[str, int], ...]


@dataclass(frozen=True)
class SourceProblem:
    """One problem in a definition file: where (path and line) and what (Vietnamese)."""

    path: Path
    line: int | None
    message: str


class SourceError(ValueError):
    """The text is not YAML that a definition can be read from."""

    def __init__(self, problems: list[SourceProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class YamlDocument:
    """The values read from a YAML text, and the 1-based line of every path in it.

    ``lines[path]`` is the line of the value at ``path``; ``key_lines[path]``
    the line of the key that introduces it (used for "unknown field").
    """

    data: Any
    lines: dict[Path, int]
    key_lines: dict[Path, int]

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor that exists (a missing field's parent)."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in self.key_lines:
                return self.key_lines[prefix]
            if prefix in self.lines:
                return self.lines[prefix]
        return None


# A definition has a few thousand values; aliases (*name) could expand a
# short text into billions, so building stops well before that.
MAX_VALUES = 100_000
MAX_DEPTH = 50


class _TooLarge(Exception):
    pass


_MERGE_TAG = "tag:yaml.org,2002:merge"
# Longer numbers are typing errors or attacks: Python refuses to convert past 4 300 digits,
# and every figure of a definition fits in a few.
MAX_NUMBER_DIGITS = 30
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class _Builder:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.lines: dict[Path, int] = {}
        self.key_lines: dict[Path, int] = {}
        self.problems: list[SourceProblem] = []
        self.count = 0

    def build(self, node: yaml.Node, path: Path) -> Any:
        # Every value built counts, those reached through an alias or a merge key (<<) included,
        # so that a short text cannot expand into millions of values.
        self.count += 1
        if self.count > MAX_VALUES or len(path) > MAX_DEPTH:
            raise _TooLarge(node.start_mark.line + 1)
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: list[dict[Any, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                # PyYAML's flatten_mapping copies merged nodes into each mapping, which
                # grows exponentially with nested merges; here they are built like aliases.
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        self.problems.append(SourceProblem(path, key_node.start_mark.line + 1,
                                                           "Khóa “<<” chỉ gộp được một nhóm khóa: giá trị."))
                        continue
                    merged.append(self.build(source, path))
                continue
            key = self.scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(SourceProblem(path, key_node.start_mark.line + 1,
                                                   "Khóa phải là một tên đơn giản."))
                continue
            if not isinstance(key, str):
                # Every key of a definition is a name; `2024:` or `yes:` stays the text written.
                key = str(key_node.value)
            if key in result:
                # PyYAML would keep the last value silently; a pasted
                # second `quotas:` must not erase the first unnoticed.
                self.problems.append(SourceProblem(
                    path + (key,), key_node.start_mark.line + 1,
                    f"Khóa “{key}” bị lặp lại (đã có ở dòng {self.key_lines[path + (key,)]})."))
                continue
            self.key_lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, path + (key,))
        for source in merged:
            for key, value in source.items():
                result.setdefault(key, value)
        return result

    def scalar(self, node: yaml.Node, path: Path) -> Any:
        line = node.start_mark.line + 1
        if node.tag in _NUMBER_TAGS and sum(c.isdigit() for c in str(node.value)) > MAX_NUMBER_DIGITS:
            self.problems.append(SourceProblem(path, line, f"Số quá dài (hơn {MAX_NUMBER_DIGITS} chữ số)."))
            return None
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            raise
        except (ValueError, OverflowError, TypeError):
            if node.tag == "tag:yaml.org,2002:timestamp":
                message = f"Ngày “{node.value}” không có thật (kiểm tra ngày và tháng, dạng YYYY-MM-DD)."
            else:
                message = f"Giá trị “{str(node.value)[:40]}” không đọc được."
            self.problems.append(SourceProblem(path, line, message))
            return None


# PyYAML's own wording is English; these are the mistakes people make when
# editing a definition by hand, said in Vietnamese.
_EXPLANATIONS = (
    ("could not determine a constructor for the tag", "thẻ YAML này không được phép (chỉ dùng giá trị thường)."),
    ("cannot start any token", "không dùng ký tự Tab hoặc ký tự đặc biệt ở đầu giá trị; thụt lề bằng dấu cách."),
    ("mapping values are not allowed here",
     "dấu hai chấm đặt sai chỗ; giá trị có dấu “:” cần đặt trong ngoặc kép."),
    ("found undefined alias", "tham chiếu (*alias) chưa được định nghĩa."),
    ("found unexpected end of stream", "thiếu dấu đóng ngoặc kép hoặc ngoặc."),
    ("expected", "thụt lề hoặc dấu ngoặc không đúng."),
    ("did not find expected", "thụt lề hoặc dấu ngoặc không đúng."),
)


def _explain(problem: str) -> str:
    for fragment, text in _EXPLANATIONS:
        if fragment in problem:
            return text
    return "cấu trúc không hợp lệ; kiểm tra thụt lề, dấu ngoặc và dấu hai chấm."


def load_yaml_document(text: str) -> YamlDocument:
    """Parse one YAML document with safe types only; raise SourceError with the line of any problem."""
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            raise SourceError([SourceProblem((), 1, "Tệp định nghĩa trống.")])
        builder = _Builder(loader)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        column = f", cột {mark.column + 1}" if mark is not None else ""
        raise SourceError([SourceProblem((), line, f"Lỗi cú pháp YAML (dòng {line}{column}): "
                                                  f"{_explain(error.problem or '')}")]) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        character = error.character if isinstance(error.character, int) else ord(error.character)
        raise SourceError([SourceProblem((), line, f"Dòng {line} chứa ký tự không hợp lệ "
                                                   f"(U+{character:04X}); hãy xóa ký tự này.")]) from None
    except yaml.YAMLError:
        raise SourceError([SourceProblem((), None, "Lỗi cú pháp YAML: " + _explain(""))]) from None
    except _TooLarge as error:
        raise SourceError([SourceProblem((), error.args[0], f"Tệp lồng quá {MAX_DEPTH} tầng hoặc có quá "
                                                            f"{MAX_VALUES} giá trị (kể cả qua tham chiếu *alias).")]
                          ) from None
    except RecursionError:
        raise SourceError([SourceProblem((), None, "Tệp lồng nhau quá nhiều tầng, không đọc được.")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if builder.problems:
        raise SourceError(builder.problems)
    return YamlDocument(data=data, lines=builder.lines, key_lines=builder.key_lines)
