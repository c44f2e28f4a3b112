"""Every wrong value of a campaign file is a 422 that names the line, the part in Vietnamese and the allowed
values as labels: in the parser, through the API and on the admin page; never a 500, never a code.

The broken files are made from the real ones (campaigns/*.yaml): each value in turn gets a value of the wrong
type, a word outside its list, an impossible date, or disappears (once per kind of place and mistake). The line each problem
must name is found with PyYAML's own node tree, independently of the service's loader.
"""
from __future__ import annotations

import copy
import datetime as dt
import html
import io
import re
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
import yaml

from round_helpers import CAMPAIGNS_DIR
from service.campaigns.definition import DefinitionError, describe, parse_definition
from service.db import db
from service.vocabulary import CAMPAIGN_FILE_FIELDS, VALUE_LABELS, file_field_label
from web_helpers import web  # noqa: F401 - fixture

SOURCE = (CAMPAIGNS_DIR / "long-xuyen-9936-2024.yaml").read_text(encoding="utf-8")
DATA = yaml.safe_load(SOURCE)
SEEDS = [yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
         for path in sorted(CAMPAIGNS_DIR.glob("*.yaml"))]
SENTINEL = "GIA-TRI-THU-7F3A"

# Keys whose value is one word of a closed list.
CHOICE_KEYS = {"kind", "type", "better", "formula", "late_policy", "family", "nominee_kind", "nominee_kinds",
               "unit_kinds", "denominator"}

# --- what a person may be shown ----------------------------------------------------------------------------

# What the file itself says (quoted back as written) may hold anything; the rest is the service's own words.
QUOTED = re.compile(r"“[^”]*”|«[^»]*»")
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
INDEX = re.compile(r"\[\d+\]")
CODES = sorted({key for part in CAMPAIGN_FILE_FIELDS.values() for key in part}
               | {code for labels in VALUE_LABELS.values() for code in labels}, key=len, reverse=True)
CODE_WORD = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, CODES)) + r")(?![\w-])")


def assert_for_people(text: str) -> None:
    """No snake_case code, no "[0]", no key or value code of the file format outside what is quoted back."""
    bare = QUOTED.sub("", text)
    assert not SNAKE_CASE.search(bare), text
    assert not INDEX.search(bare), text
    assert not CODE_WORD.search(bare), (CODE_WORD.search(bare).group(0), text)


# --- making broken files -----------------------------------------------------------------------------------

def _leaves(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, path + (index,))
    else:
        yield path, value


def _keys(value: Any, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield path + (key,)
            yield from _keys(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _keys(item, path + (index,))


def _shape(path: tuple) -> tuple:
    """The path with every list index as 0: one broken file per kind of place is enough."""
    return tuple(0 if isinstance(step, int) else step for step in path)


def _mutations(path: tuple, value: Any) -> list[tuple[str, str]]:
    last_key = next((step for step in reversed(path) if isinstance(step, str)), "")
    # An empty value is no mistake where the key is optional; elsewhere it is refused like the rest.
    blank = [("để trống", "null")]
    if isinstance(value, bool):
        return [("sai kiểu", "[true]"), ("sai kiểu", "'có'"), *blank]
    if isinstance(value, (dt.date, dt.datetime)):
        return [("ngày không có thật", "2024-02-30"), ("ngày không có thật", "2023-13-01"),
                ("sai kiểu", "[2024, 11]"), ("sai kiểu", "mai"), *blank]
    if isinstance(value, (int, float)):
        return [("sai kiểu", "mười"), ("sai kiểu", "[1, 2]"), *blank]
    found = [("sai kiểu", "[sai, sai]"), ("sai kiểu", "{a: 1}"), *blank]
    if last_key in CHOICE_KEYS and (last_key != "denominator" or "vote_rule" in path):
        found.append(("ngoài danh sách", "khong-co-trong-danh-sach"))
    return found


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=10_000)


def _set(data: Any, path: tuple, value: Any) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


def _line_in(text: str, path: tuple) -> int:
    """The line PyYAML's nodes give ``path`` (its key's line; a list item's own line)."""
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    line = 1
    for step in path:
        if isinstance(step, int):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            key, node = next((k, v) for k, v in node.value if k.value == step)
            line = key.start_mark.line + 1
    return line


def broken_files() -> list[tuple[str, tuple, str, int]]:
    """(what was broken, the path, the text, the line a problem must name), one per kind of place and mistake."""
    files, seen = [], set()
    for seed in SEEDS:
        for path, value in _leaves(seed):
            for what, written in _mutations(path, value):
                if (_shape(path), written) in seen:
                    continue
                seen.add((_shape(path), written))
                data = copy.deepcopy(seed)
                _set(data, path, SENTINEL)
                text = _dump(data)
                line = text[:text.index(SENTINEL)].count("\n") + 1
                files.append((what, path, text.replace(SENTINEL, written), line))
        for path in _keys(seed):
            if _shape(path) in seen:
                continue
            seen.add(_shape(path))
            data = copy.deepcopy(seed)
            parent = data
            for step in path[:-1]:
                parent = parent[step]
            del parent[path[-1]]
            text = _dump(data)
            files.append(("thiếu", path, text, _line_in(text, path[:-1]) if path[:-1] else 1))
    return files


BROKEN = broken_files()


def test_the_broken_files_are_many_and_of_every_kind():
    kinds = {what for what, *_ in BROKEN}
    assert kinds == {"sai kiểu", "ngoài danh sách", "ngày không có thật", "để trống", "thiếu"}
    assert len(BROKEN) > 300
    for seed in SEEDS:   # the dump itself is a good file
        assert parse_definition(_dump(seed)).code == seed["code"]


def _problems(text: str) -> list:
    try:
        parse_definition(text)
    except DefinitionError as error:
        return error.problems
    return []


def test_every_broken_value_is_named_by_line_and_part_in_vietnamese():
    accepted = []
    for what, path, text, line in BROKEN:
        problems = _problems(text)
        if not problems:
            # Leaving out an optional key, or leaving it empty, is no mistake; every other change is refused.
            assert what in ("thiếu", "để trống"), (what, path)
            accepted.append(path)
            continue
        for problem in problems:
            assert problem.line, (path, problem)
            assert_for_people(describe(problem))
        if what == "thiếu":
            missing = [p for p in problems if p.path == path and p.message == "Thiếu trường bắt buộc."]
            assert not missing or missing[0].line == line, (path, missing)
            continue
        # An empty value may also be a problem of the group it empties ("mức tối thiểu hoặc mức tối đa").
        lines = {line, _line_in(text, path[:-1])} if what == "để trống" and path[:-1] else {line}
        here = [p for p in problems if p.line in lines]
        assert here, (what, path, line, [(p.line, p.message) for p in problems])
        assert any(file_field_label(p.path) for p in here), (path, here)
        if what == "ngoài danh sách":
            assert any(p.message.startswith("Phải là một trong: ") for p in here), (path, here)
        if what == "ngày không có thật":
            assert any("không có thật" in p.message for p in here), (path, here)
    # Some keys may be left out (an optional list, a default), most may not.
    assert ("late_policy",) in accepted and ("code",) not in accepted


def test_the_part_and_the_allowed_values_are_said_as_people_say_them():
    text = SOURCE.replace("    nominee_kinds: [collective]\n", "    nominee_kinds: [tap-the]\n", 1)
    [problem] = _problems(text)
    assert file_field_label(problem.path) == "Hình thức khen thưởng thứ 1 › Đối tượng thứ 1"
    assert problem.message == "Phải là một trong: Tập thể, Cá nhân (tệp đang ghi “tap-the”)."
    line = text[:text.index("[tap-the]")].count("\n") + 1
    assert describe(problem) == (f"Dòng {line} (Hình thức khen thưởng thứ 1 › Đối tượng thứ 1): "
                                 "Phải là một trong: Tập thể, Cá nhân (tệp đang ghi “tap-the”).")
    [date] = _problems(SOURCE.replace("    deadline: 2024-12-04", "    deadline: 2024-02-30", 1))
    assert file_field_label(date.path) == "Đợt khen thưởng thứ 1 › Hạn nộp hồ sơ"
    assert "2024-02-30" in date.message and "không có thật" in date.message
    [policy] = _problems(SOURCE.replace("late_policy: accept", "late_policy: sometimes", 1))
    assert policy.message.startswith("Phải là một trong: Nhận hồ sơ nộp muộn, Không nhận hồ sơ nộp muộn")


def test_labels_may_be_written_instead_of_codes():
    text = (SOURCE.replace("    nominee_kinds: [collective]\n", "    nominee_kinds: [Tập thể]\n", 1)
            .replace("late_policy: accept", "late_policy: Nhận hồ sơ nộp muộn", 1))
    definition = parse_definition(text)
    assert definition.data["award_forms"][0]["nominee_kinds"] == ["collective"]
    assert definition.data["late_policy"] == "accept"


# --- through the API and the admin page -----------------------------------------------------------------

def _list_items(page: str, list_id: str) -> list[str]:
    match = re.search(rf'<ul class="field-errors" id="{re.escape(list_id)}">(.*?)</ul>', page, re.S)
    assert match, "no error list on the page"
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip()
            for item in re.findall(r"<li[^>]*>(.*?)</li>", match.group(1), re.S)]


def _textarea(page: str) -> str:
    match = re.search(r'<textarea id="phong-trao-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "the text sent is not kept on the page"
    return html.unescape(match.group(1))


def _sample() -> list[tuple[str, tuple, str, int]]:
    """One broken file per part of the file (its first key) and kind of mistake."""
    chosen: dict[tuple, tuple] = {}
    for case in BROKEN:
        what, path = case[0], case[1]
        chosen.setdefault((path[0], what, len(path) > 2), case)
    return list(chosen.values())


@pytest.mark.parametrize("cases", [
    pytest.param("sample", id="one-per-part-and-mistake"),
    pytest.param("all", id="every-broken-file", marks=pytest.mark.slow),
])
def test_every_broken_file_is_a_422_in_vietnamese_on_the_api_and_the_page(as_user, web, world, cases):
    from service.models import Campaign

    api = as_user("admin")
    admin = web("admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Campaign))
    refused = 0
    for what, path, text, line in (BROKEN if cases == "all" else _sample()):
        if what in ("thiếu", "để trống") and not _problems(text):
            continue
        refused += 1
        response = api.post("/api/v1/admin/campaigns", data=text.encode("utf-8"),
                            headers={"Content-Type": "application/yaml"})
        assert response.status_code == 422, (path, response.status_code)
        error = response.get_json()["error"]
        assert error["code"] == "invalid_definition"
        assert_for_people(error["message"])
        for field, messages in error["fields"].items():
            assert_for_people(field)
            for message in messages:
                assert message.startswith("Dòng "), message
                assert_for_people(message)
        for item in error["details"]["errors"]:
            assert_for_people(item["field"])
            assert_for_people(item["text"])
        if what not in ("thiếu", "để trống"):
            assert any(item["line"] == line for item in error["details"]["errors"]), (path, line)

        page = admin.post("/quan-tri/phong-trao", {"file": (io.BytesIO(text.encode("utf-8")), "hong.yaml")},
                          content_type="multipart/form-data")
        assert page.status_code == 422, (path, page.status_code)
        body = page.get_data(as_text=True)
        items = _list_items(body, "phong-trao-file-errors")
        assert items == [item["text"] for item in error["details"]["errors"]]
        for item in items:
            assert item.startswith("Dòng "), item
            assert_for_people(item)
        if what not in ("thiếu", "để trống"):
            assert any(item.startswith(f"Dòng {line} (") for item in items), (path, line, items)
        assert _textarea(body) == text
    assert refused > (250 if cases == "all" else 40)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == before


def test_the_text_kept_on_the_page_can_be_corrected_and_loaded(web, world):
    from service.models import Campaign

    admin = web("admin")
    broken = SOURCE.replace("    deadline: 2024-12-04", "    deadline: 2024-02-30", 1)
    page = admin.post("/quan-tri/phong-trao", {"file": (io.BytesIO(broken.encode("utf-8")), "hong.yaml")},
                      content_type="multipart/form-data")
    assert page.status_code == 422
    kept = _textarea(page.get_data(as_text=True))
    assert kept == broken
    fixed = admin.post("/quan-tri/phong-trao", {"text": kept.replace("2024-02-30", "2024-12-04")},
                       content_type="multipart/form-data")
    assert fixed.status_code == 302, fixed.get_data(as_text=True)
    assert db.session.scalar(sa.select(Campaign).where(Campaign.code == DATA["code"])) is not None
    flash = admin.get("/quan-tri/phong-trao").get_data(as_text=True)
    assert "từ nội dung đã sửa trên trang" in flash
