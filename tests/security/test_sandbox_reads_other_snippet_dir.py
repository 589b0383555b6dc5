"""Issue 17, finding 1: a snippet reads the working dir of another snippet running at the same
time (same worker): its files, its code. Each snippet's dirs must be its own."""

from __future__ import annotations

import pytest

from tests.security.sandbox_harness import WORKERS, run_as

VICTIM = """
import os, time
open("secret.txt", "w").write("victim-private-" + "data")
deadline = time.monotonic() + 4
while time.monotonic() < deadline and not os.path.exists("seen"):
    time.sleep(0.05)
print("victim", os.getcwd(), "seen" if os.path.exists("seen") else "unseen")
"""

THIEF = """
import glob, os, time
patterns = ["/tmp/*/secret.txt", "/tmp/*/*/secret.txt", "/var/tmp/*/secret.txt", "/sandbox/secret.txt",
            "/home/*/secret.txt", "/proc/*/cwd/secret.txt", "/proc/*/root/tmp/*/secret.txt"]
deadline = time.monotonic() + 4
found = []
while time.monotonic() < deadline and not found:
    for pattern in patterns:
        for path in glob.glob(pattern):
            try:
                found.append((path, open(path).read()))
                open(os.path.join(os.path.dirname(path), "seen"), "w").write("x")
            except OSError:
                pass
    time.sleep(0.05)
print("found", found)
"""


@pytest.mark.parametrize("worker", WORKERS)
def test_a_snippet_cannot_read_a_concurrent_snippets_dir(worker: str) -> None:
    victim, thief = run_as(worker, [VICTIM, THIEF])
    assert victim["exit_code"] == 0, victim["stderr"]
    assert thief["exit_code"] == 0, thief["stderr"]
    assert "victim-private-data" not in thief["stdout"], f"the thief read the victim's dir: {thief['stdout']}"
    assert "unseen" in victim["stdout"]
