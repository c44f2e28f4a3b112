"""Human-readable views of a workflow: a Markdown table and a Mermaid diagram.

Both are generated from the loaded definition so documentation cannot drift
from what the engine enforces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional, Protocol

from .definition import StateDef, TransitionDef

__all__ = ["state_table_markdown", "mermaid_diagram", "HIGHLIGHT_CLASS", "Described"]


class Described(Protocol):
    """What rendering reads from a workflow (``engine.Workflow`` has all of it)."""

    initial: str
    states: tuple[StateDef, ...]
    transitions: tuple[TransitionDef, ...]
    guard_labels: Mapping[str, str]

    def state_label(self, state: str) -> str: ...

    def role_label(self, role: str) -> str: ...

#: Mermaid class applied to the highlighted (current) state.
HIGHLIGHT_CLASS = "current"


def _md_cell(text: str) -> str:
    # A bare pipe would end the cell early.
    return text.replace("|", "\\|").replace("\n", " ")


def state_table_markdown(workflow: Described) -> str:
    """Markdown table with one row per transition.

    Columns: Trigger | Nhãn | Từ | Đến | Vai trò | Điều kiện.  States and
    roles show their Vietnamese label followed by the API name.
    """
    lines = [
        "| Trigger | Nhãn | Từ | Đến | Vai trò | Điều kiện |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for t in workflow.transitions:
        roles = ", ".join(f"{workflow.role_label(r)} (`{r}`)" for r in t.roles)
        conditions = "; ".join(workflow.guard_labels.get(g, g) for g in t.guards) or "—"
        cells = [
            f"`{t.trigger}`",
            t.label,
            f"{workflow.state_label(t.source)} (`{t.source}`)",
            f"{workflow.state_label(t.dest)} (`{t.dest}`)",
            roles,
            conditions,
        ]
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    # Quotes end a state description and ':' / ';' / '#' are syntax in
    # Mermaid, so they are swapped for harmless look-alikes in labels.
    return text.replace('"', "'").replace(":", " -").replace(";", ",").replace("#", "")


def mermaid_diagram(workflow: Described, highlight: Optional[str] = None, show_triggers: bool = True) -> str:
    """Mermaid ``stateDiagram-v2`` source for ``workflow``.

    States carry their Vietnamese labels, edges the transition's label
    (followed by the trigger name when ``show_triggers``).  When
    ``highlight`` names a state, that state gets the ``current`` class.
    Raises ValueError for an unknown ``highlight``.
    """
    if highlight is not None and highlight not in {s.name for s in workflow.states}:
        raise ValueError(f"cannot highlight unknown state {highlight!r}")
    lines = ["stateDiagram-v2"]
    for s in workflow.states:
        lines.append(f'    state "{_mermaid_text(s.label)}" as {s.name}')
    lines.append(f"    [*] --> {workflow.initial}")
    for t in workflow.transitions:
        label = _mermaid_text(t.label)
        if show_triggers:
            label += f" ({t.trigger})"
        lines.append(f"    {t.source} --> {t.dest} : {label}")
    for s in workflow.states:
        if s.final:
            lines.append(f"    {s.name} --> [*]")
    if highlight is not None:
        lines.append(f"    classDef {HIGHLIGHT_CLASS} fill:#fff3bf,stroke:#e8590c,stroke-width:3px")
        lines.append(f"    class {highlight} {HIGHLIGHT_CLASS}")
    return "\n".join(lines) + "\n"
