"""Issue 17, finding 2: concurrent snippets of a root worker must never share a uid (one
snippet's cleanup would kill the other's processes, and each could signal or read the other),
never run as the worker's uid, and never get a uid that still has a process (e.g. left by a
killed worker). A non-root worker's snippet is never its uid inside the sandbox either."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.security.sandbox_harness import NON_ROOT_UID, WORKERS, run_as

WHO = "import os, time\ntime.sleep(1)\nprint(os.getuid(), sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))"


@pytest.mark.parametrize("worker", WORKERS)
def test_concurrent_snippets_never_share_a_uid_or_use_the_workers(worker: str) -> None:
    results = run_as(worker, [WHO] * 4)
    assert all(r["exit_code"] == 0 for r in results), [r["stderr"] for r in results]
    worker_uid = NON_ROOT_UID if worker == "as_non_root" and os.geteuid() == 0 else os.geteuid()
    inside = [int(r["stdout"].split()[0]) for r in results]
    assert worker_uid not in inside, f"a snippet ran as the worker's uid {worker_uid}: {inside}"
    if worker == "as_root" and os.geteuid() == 0:
        outside = [r["sandbox_uid"] for r in results]
        assert None not in outside and len(set(outside)) == 4, f"uids shared: {outside}"
        assert worker_uid not in outside


def test_a_uid_that_still_has_a_process_is_not_handed_out() -> None:
    if os.geteuid() != 0:
        pytest.skip("throw-away uids exist only for a root worker")  # the test above covers non-root
    first = run_as("as_root", ["print('x')"])[0]["sandbox_uid"]
    leftovers = [
        subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "sleep", "60"])
        for uid in range(first + 1, first + 4)
    ]
    try:
        results = run_as("as_root", ["print('y')"] * 3)
        given = {r["sandbox_uid"] for r in results}
        assert not given & set(range(first + 1, first + 4)), f"handed out a busy uid: {given}"
    finally:
        for proc in leftovers:
            proc.kill()
            proc.wait()
