"""Where W's time between levels goes: from a task's last dependency's answer to its own model call.

W's wall is ten levels of (model call + the engine's hand-over to the next level). With 200 ms
calls the calls are fixed, so the hand-over is all the engine can shorten. Split by where the two
dependencies ran: a task whose dependencies both ran on its worker can start ahead of their
completion (``engine.speculation``); one whose dependencies ran on two workers waits for the
second completion's commit and its lease (on the completing worker, or through the queue).
"""

from __future__ import annotations

import statistics
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # stdlib only at run time: bench/langgraph_anchor.py imports bench.engine in LangGraph's venv
    from sqlmodel import Session

_ROWS = """
    SELECT t.title, t.leased_by, extract(epoch FROM m.created_at), m.latency_ms
    FROM tasks t
    JOIN LATERAL (SELECT created_at, latency_ms FROM model_calls
                  WHERE task_id = t.id AND status = 'ok' ORDER BY created_at LIMIT 1) m ON true
    WHERE t.project_id = %(p)s
"""


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile by nearest rank (nan for no values): the benches' p50/p95."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def hand_over_gaps(session: Session, project_id: uuid.UUID, width: int) -> dict[str, float]:
    """p50/p95 (ms) of last dependency's answer -> the task's model call, for tasks whose two
    dependencies ran on the task's worker ("local") and the others ("split"), and the mean gap
    on the critical path per level (the slowest task of each level)."""
    calls: dict[tuple[int, int], tuple[str, float, float]] = {}
    for title, worker, start, latency in session.connection().exec_driver_sql(_ROWS, {"p": project_id}):
        level, index = (int(part) for part in title.removeprefix("Step ").split("."))
        calls[(level, index)] = (worker or "", float(start), float(start) + float(latency or 0) / 1000)
    local: list[float] = []
    split: list[float] = []
    depth = 1 + max((level for level, _ in calls), default=0)
    for (level, index), (worker, start, _) in calls.items():
        if level == 0:
            continue
        deps = [calls[(level - 1, (index + k) % width)] for k in range(2)]
        gap = (start - max(dep[2] for dep in deps)) * 1000
        (local if all(dep[0] == worker for dep in deps) else split).append(gap)
    ends = [max(end for (lv, _), (_, _, end) in calls.items() if lv == level) for level in range(depth)]
    starts = [min(start for (lv, _), (_, start, _) in calls.items() if lv == level) for level in range(depth)]
    return {
        "gap_local_p50": percentile(local, 0.5),
        "gap_local_p95": percentile(local, 0.95),
        "gap_split_p50": percentile(split, 0.5),
        "gap_split_p95": percentile(split, 0.95),
        "local_share": len(local) / max(1, len(local) + len(split)),
        "level_ms": (ends[-1] - starts[0]) * 1000 / depth if depth else float("nan"),
    }


def describe(results: list[dict[str, Any]]) -> str:
    """The figures of several runs (medians), one line each."""
    med = {
        key: statistics.median(r[key] for r in results)
        for key in results[0]
        if key.startswith(("gap", "local", "level"))
    }
    return (
        f"  answer -> dependent's call p50/p95   deps on its worker {med['gap_local_p50']:5.2f} / {med['gap_local_p95']:5.2f} ms"
        f" ({med['local_share'] * 100:.0f} % of tasks); deps on two workers {med['gap_split_p50']:5.2f} / "
        f"{med['gap_split_p95']:5.2f} ms\n"
        f"  one level on the critical path      {med['level_ms']:8.1f} ms   (first call -> last answer / levels)"
    )
