"""No module of the application over 500 lines (the team guide's rule, issue 19): a module that
grows past it is split by what it holds before it lands, not after a review finds it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 500


def test_no_module_in_berrys_app_or_workers_is_over_500_lines() -> None:
    modules = [path for package in ("berrys_app", "workers") for path in sorted((ROOT / package).rglob("*.py"))]
    assert len(modules) > 50, "the walk must see the application's modules"
    too_long = {
        str(path.relative_to(ROOT)): count
        for path in modules
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, f"modules over {MAX_LINES} lines (split them by what they hold): {too_long}"
