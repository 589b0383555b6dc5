"""Reuse a compiled dashboard's sources and packages for another web process (no second install)."""

from __future__ import annotations

import shutil
from pathlib import Path


def copy_frontend(built: Path, target: Path) -> None:
    """``built`` (a Reflex web dir) to ``target`` without its build outputs: the process that
    uses ``target`` compiles its own build (which carries its own URL). Only the top-level outputs
    are left out: packages in node_modules have ``build`` dirs of their own."""

    def outputs(where: str, names: list[str]) -> list[str]:
        return [name for name in names if Path(where) == built and name in ("build", "backend")]

    if built.is_dir():
        shutil.copytree(built, target, symlinks=True, ignore=outputs)
