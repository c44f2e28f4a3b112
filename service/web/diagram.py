"""Pictures drawn on the server as SVG geometry: the workflow with the current state, and a campaign's progress.

The geometry is computed here from ``workflows.WORKFLOW``; the templates only
draw it, so the picture cannot drift from the workflow the engine enforces.
"""
from __future__ import annotations

import datetime as dt
import textwrap
from collections import deque
from typing import Any

import workflows

NODE_WIDTH = 152
NODE_HEIGHT = 46
COLUMN_GAP = 12
ROW_GAP = 52
# Room on the left for the dashed lanes of the transitions that go back.
LANE_GAP = 11
LABEL_CHARS = 18
EDGE_LABEL_CHARS = 17
# Labels of arrows that fan out from one state sit further down and narrower, so they do not collide.
FAN_LABEL_CHARS = 11


def _layers(workflow) -> dict[str, int]:
    """Each state's distance from the initial state, by breadth-first search."""
    depth = {workflow.initial: 0}
    queue = deque([workflow.initial])
    while queue:
        here = queue.popleft()
        for transition in workflow.transitions:
            if transition.source == here and transition.dest not in depth:
                depth[transition.dest] = depth[here] + 1
                queue.append(transition.dest)
    return depth


def workflow_diagram(current: str | None = None, workflow=None) -> dict[str, Any]:
    """Boxes and arrows of ``workflow`` (default: the dossier workflow), top to bottom.

    Transitions that lead to a later row are solid arrows with their label;
    those that lead back are dashed arrows on the left. ``current`` is marked,
    and so are the transitions that leave it.
    """
    workflow = workflow or workflows.WORKFLOW
    depth = _layers(workflow)
    rows: dict[int, list[str]] = {}
    for state in workflow.states:
        rows.setdefault(depth[state.name], []).append(state.name)
    widest = max(len(names) for names in rows.values())
    back_edges = [t for t in workflow.transitions if depth[t.dest] <= depth[t.source]]
    left = 14 + LANE_GAP * len(back_edges)
    inner_width = widest * NODE_WIDTH + (widest - 1) * COLUMN_GAP
    width = left + inner_width + 6
    boxes: dict[str, dict[str, Any]] = {}
    for row, names in sorted(rows.items()):
        row_width = len(names) * NODE_WIDTH + (len(names) - 1) * COLUMN_GAP
        x = left + (inner_width - row_width) / 2
        y = 18 + row * (NODE_HEIGHT + ROW_GAP)
        for name in names:
            label = workflow.state_label(name)
            lines = textwrap.wrap(label, LABEL_CHARS) or [label]
            boxes[name] = {
                "name": name, "label": label, "lines": lines, "x": x, "y": y, "width": NODE_WIDTH,
                "height": NODE_HEIGHT, "cx": x + NODE_WIDTH / 2, "cy": y + NODE_HEIGHT / 2,
                "is_current": name == current, "is_final": name in workflow.final_states,
                "is_initial": name == workflow.initial,
            }
            x += NODE_WIDTH + COLUMN_GAP
    height = 18 + len(rows) * (NODE_HEIGHT + ROW_GAP) - ROW_GAP + 6
    edges = []
    lane = 0
    fan_out = {t.source: 0 for t in workflow.transitions}
    for t in workflow.transitions:
        if depth[t.dest] > depth[t.source]:
            fan_out[t.source] += 1
    for transition in workflow.transitions:
        source, dest = boxes[transition.source], boxes[transition.dest]
        leaves_current = transition.source == current
        who = ", ".join(workflow.role_label(role) for role in transition.roles)
        if depth[transition.dest] > depth[transition.source]:
            x1, y1 = source["cx"], source["y"] + NODE_HEIGHT
            x2, y2 = dest["cx"], dest["y"]
            fans = fan_out[transition.source] > 1
            along = 0.68 if fans else 0.5
            edges.append({
                "kind": "forward", "path": f"M{x1:.0f},{y1:.0f} L{x2:.0f},{y2 - 2:.0f}",
                "label_lines": textwrap.wrap(transition.label, FAN_LABEL_CHARS if fans else EDGE_LABEL_CHARS)
                or [transition.label],
                "label_x": x1 + (x2 - x1) * along, "label_y": y1 + (y2 - y1) * along + 4,
                "title": f"{transition.label} — {who}", "is_from_current": leaves_current,
            })
        else:
            lane += 1
            lane_x = left - 8 - LANE_GAP * (lane - 1)
            y1, y2 = source["cy"] + 8, dest["cy"] - 10 + 8 * (lane - 1)
            path = (f"M{source['x']:.0f},{y1:.0f} L{lane_x:.0f},{y1:.0f} L{lane_x:.0f},{y2:.0f} "
                    f"L{dest['x'] - 2:.0f},{y2:.0f}")
            edges.append({
                "kind": "back", "path": path, "label_lines": [], "label_x": 0, "label_y": 0,
                "title": f"{transition.label} (quay lại “{dest['label']}”) — {who}",
                "is_from_current": leaves_current,
            })
    return {
        "width": width, "height": height, "boxes": list(boxes.values()), "edges": edges,
        "current_label": workflow.state_label(current) if current else "",
        "back_labels": [t.label for t in back_edges],
    }


def bar_chart(rows: list[dict[str, Any]], *, label_width: int = 230, bar_width: int = 320) -> dict[str, Any]:
    """Horizontal bars for ``rows`` (each with ``label``, ``count`` and ``tone``), scaled to the largest count."""
    top = max((row["count"] for row in rows), default=0) or 1
    row_height, gap = 26, 10
    bars = []
    for index, row in enumerate(rows):
        length = bar_width * row["count"] / top
        bars.append({**row, "y": index * (row_height + gap), "length": max(length, 2 if row["count"] else 0),
                     "height": row_height})
    return {"bars": bars, "label_width": label_width, "bar_width": bar_width,
            "width": label_width + bar_width + 60, "height": len(rows) * (row_height + gap) - gap if rows else 0}


def submission_timeline(start: dt.date, deadline: dt.date, today: dt.date, submitted: list[dt.date],
                        total_units: int) -> dict[str, Any]:
    """Cumulative number of dossiers sent, day by day, against the deadline (a vertical line).

    The axis runs from ``start`` to a little after the deadline or the last
    dossier; today is drawn when it falls on the axis.
    """
    width, height = 620, 210
    left, right, top, bottom = 44, 20, 26, 44
    plot_width, plot_height = width - left - right, height - top - bottom
    end = max([deadline, *submitted]) + dt.timedelta(days=2)
    if start <= today and today > end and (today - end).days <= 14:
        end = today + dt.timedelta(days=1)
    span = max((end - start).days, 1)
    total = max(total_units, 1)

    def x(day: dt.date) -> float:
        return left + plot_width * min(max((day - start).days, 0), span) / span

    def y(count: int) -> float:
        return top + plot_height - plot_height * count / total

    points, path = [], [f"M{x(start):.1f},{y(0):.1f}"]
    count = 0
    for day in sorted(submitted):
        count += 1
        path.append(f"H{x(day):.1f} V{y(count):.1f}")
        points.append({"x": x(day), "y": y(count), "is_late": day > deadline, "date": day, "count": count})
    last_day = min(max(today, start), end)
    path.append(f"H{x(last_day):.1f}")
    y_ticks = sorted({0, total_units, total_units // 2}) if total_units else [0]
    return {
        "width": width, "height": height, "left": left, "top": top, "plot_width": plot_width,
        "plot_height": plot_height, "bottom_y": top + plot_height, "path": " ".join(path), "points": points,
        "deadline_x": x(deadline), "deadline_anchor": _anchor(x(deadline), left, width - right), "start": start, "end": end, "deadline": deadline,
        "today_x": x(today) if start <= today <= end else None, "today_anchor": _anchor(x(today), left, width - right),
        "today": today,
        "y_ticks": [{"y": y(t), "label": t} for t in y_ticks],
        "sent": len(submitted), "total": total_units,
    }


def _anchor(x: float, low: float, high: float, room: float = 70) -> str:
    """Text anchor that keeps a label near ``x`` inside the plot."""
    if x - low < room:
        return "start"
    if high - x < room:
        return "end"
    return "middle"


RANKING_LABEL_CHARS = 34


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis; the full text goes in the bar's tooltip."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,-–") + "…"


def ranking_chart(rows: list[dict[str, Any]], *, label_width: int = 250, bar_width: int = 280,
                  value_width: int = 230) -> dict[str, Any]:
    """Horizontal bars of one ranking group's main metric, in rank order, scaled to the largest value.

    Each row has ``name``, ``unit_name`` (the second line of the label), ``rank``, ``value`` (a number or
    None), ``value_text`` and ``is_selected``. A selected bar is solid and says "Được chọn"; a bar left
    out is hatched and says "Không chọn", so the two differ by pattern and by words, not only by colour.
    """
    top = max((abs(row["value"]) for row in rows if row["value"] is not None), default=0) or 1
    row_height, gap = 34, 10
    bars = []
    for index, row in enumerate(rows):
        value = row["value"]
        length = 0.0 if value is None or value <= 0 else max(bar_width * value / top, 2)
        rank = f"{row['rank']}. " if row.get("rank") else "– "
        status = "Được chọn" if row["is_selected"] else "Không chọn"
        bars.append({
            **row, "y": index * (row_height + gap), "height": row_height, "length": length,
            "line1": _shorten(rank + row["name"], RANKING_LABEL_CHARS),
            "line2": _shorten(row.get("unit_name") or "", RANKING_LABEL_CHARS + 4),
            "status": status, "mark": "✓" if row["is_selected"] else "✗",
            "title": f"{rank}{row['name']} ({row.get('unit_name') or ''}): {row['value_text']} – {status}",
        })
    height = len(rows) * (row_height + gap) - gap if rows else 0
    return {"bars": bars, "label_width": label_width, "bar_width": bar_width,
            "width": label_width + bar_width + value_width, "height": height,
            "selected": sum(1 for row in rows if row["is_selected"]), "total": len(rows)}
