"""The README shows the workflow as it is, so the documentation cannot drift from the data."""
from __future__ import annotations

from pathlib import Path

import workflows

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_state_table_is_the_generated_one():
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- state-table:start -->") + len("<!-- state-table:start -->")
    end = text.index("<!-- state-table:end -->")
    assert text[start:end].strip() == workflows.state_table_markdown().strip()


def test_readme_diagram_is_the_generated_one():
    text = README.read_text(encoding="utf-8")
    assert workflows.mermaid_diagram().strip() in text


def test_readme_round_table_is_the_generated_one():
    from workflows.round_workflow import ROUND_WORKFLOW

    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- round-table:start -->") + len("<!-- round-table:start -->")
    end = text.index("<!-- round-table:end -->")
    assert text[start:end].strip() == ROUND_WORKFLOW.state_table_markdown().strip()
