"""The python tool's sandbox: limits really enforced, nothing of the worker leaks in, and the
worker (this test process) survives every snippet."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

import psutil
import pytest
from sqlmodel import Session, select

from berrys_app.domain.tools import ToolCall, ToolCreate, ToolKind
from berrys_app.services.errors import ValidationFailed
from berrys_app.services.tools import execute_tool, register_tool, sandbox
from berrys_app.services.tools.registry import check_config
from berrys_app.services.tools.sandbox import SandboxLimits, SandboxUnavailable, run_python
from berrys_app.settings import get_settings

FAST = {"cpu_s": 1, "wall_s": 4, "memory_mb": 256, "max_output_bytes": 10_000, "nproc": 16}


def _fast_python(session: Session, world, name: str = "quick_python", **overrides) -> None:
    """A team tool with tight limits, so the tests are quick (same sandbox as the built-in)."""
    register_tool(
        session,
        world.admin,
        team_id=world.team_id,
        data=ToolCreate(
            name=name,
            kind=ToolKind.python,
            parameters_schema={"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]},
            config={**FAST, **overrides},
        ),
    )


def _is_sandbox_process(proc: psutil.Process) -> bool:
    """A snippet's process: a throw-away uid (root workers), or (any worker) one started in or
    from a scratch dir: the snippet's cmdline names its script there and its children keep
    it as their working dir (deleted or not)."""
    try:
        if proc.info["uids"] and proc.info["uids"].real >= 200_000:
            return True
        if proc.info["uids"] and proc.info["uids"].real != os.getuid():
            return False
        where = " ".join(proc.cmdline()) + " " + proc.cwd()
    except psutil.Error:
        return False
    return "berrys-sbx-" in where and "berrys-sbx-probe" not in where


def _all_sandbox_processes() -> set[psutil.Process]:
    return {p for p in psutil.process_iter(["uids"]) if _is_sandbox_process(p)}


@pytest.fixture(autouse=True)
def _earlier_sandboxes() -> None:
    """Sandbox processes alive before the test (e.g. another test run on the same machine) are not its leftovers."""
    global _before
    _before = _all_sandbox_processes()


_before: set[psutil.Process] = set()


def _sandbox_processes() -> list[psutil.Process]:
    """Sandbox processes this test left behind."""
    return sorted(_all_sandbox_processes() - _before, key=lambda p: p.pid)


async def _run(world, code: str, key: str):
    return await execute_tool(world.ctx(key, allowed=["quick_python"]), "quick_python", {"code": code})


async def test_happy_path_prints_result(session: Session, world) -> None:
    result = await execute_tool(world.ctx(), "python", {"code": "print(sum(range(10)))"})
    assert result.ok and result.content.strip() == "45"


async def test_ten_gigabytes_is_a_memory_error_and_the_worker_survives(session: Session, world) -> None:
    _fast_python(session, world)
    result = await _run(world, "x = bytearray(10 * 1024 ** 3)\nprint(len(x))", "k:mem")
    assert (result.ok, result.error_code) == (False, "sandbox_memory_limit")
    assert "256 MB" in result.content
    session.expire_all()
    assert session.exec(select(ToolCall).where(ToolCall.call_key == "k:mem")).one().error_code == "sandbox_memory_limit"
    after = await _run(world, "print('still here')", "k:mem2")
    assert after.ok and after.content.strip() == "still here"


async def test_fork_bomb_is_contained_and_cleaned_up(session: Session, world) -> None:
    _fast_python(session, world)
    result = await _run(world, "import os\nwhile True:\n    os.fork()", "k:fork")
    assert not result.ok
    assert result.error_code in {"sandbox_process_limit", "timeout"}
    assert _sandbox_processes() == []
    assert (await _run(world, "print(1)", "k:fork2")).ok


async def test_cpu_and_wall_time_limits(session: Session, world) -> None:
    _fast_python(session, world)
    # CPU: a generous wall limit, so only the 1 s CPU limit can end the spin even on a busy machine
    _fast_python(session, world, "spin_python", cpu_s=1, wall_s=120)
    spin = await execute_tool(world.ctx(allowed=["spin_python"]), "spin_python", {"code": "while True:\n    pass"})
    assert spin.error_code == "sandbox_cpu_limit"
    assert "more than 1 s of CPU" in spin.content
    sleeper = await _run(world, "import time\ntime.sleep(60)", "k:wall")
    assert sleeper.error_code == "timeout"
    assert "longer than 4 s" in sleeper.content
    assert _sandbox_processes() == []


async def test_background_children_are_killed_with_the_group() -> None:
    code = "import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\nprint('started')"
    result = await run_python(code, limits=SandboxLimits(**FAST))
    assert result.reason == "ok" and result.stdout.strip() == "started"
    assert _sandbox_processes() == []


async def test_no_secrets_in_env_and_no_database(session: Session, world, monkeypatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "worker-secret-value")
    monkeypatch.setenv("ENCRYPTION_KEY", "worker-encryption-key")
    assert os.environ["DATABASE_URL"] and os.environ["REDIS_URL"]
    code = (
        "import os, json, socket\n"
        "print(json.dumps(sorted(os.environ)))\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 5432), timeout=1); print('DB REACHABLE')\n"
        "except OSError as exc:\n"
        "    print('db blocked', exc.errno)\n"
        "print('uid', os.getuid())\n"
    )
    result = await run_python(code, limits=SandboxLimits(**FAST))
    assert result.reason == "ok", result.stderr
    env_names = result.stdout.splitlines()[0]
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEY", "BERRYS"):
        assert name not in env_names
    assert "DB REACHABLE" not in result.stdout
    assert result.network_isolated
    if os.geteuid() == 0:  # root workers drop the snippet to a throw-away unprivileged uid
        assert f"uid {result.sandbox_uid}" in result.stdout and result.sandbox_uid >= 200_000


async def test_output_cap_and_scratch_dir(session: Session, world) -> None:
    _fast_python(session, world)
    flood = await _run(world, "print('x' * 1_000_000)", "k:flood")
    assert flood.error_code == "sandbox_output_limit"
    scratch = await run_python(
        "import os\nopen('out.txt', 'w').write('hello')\nprint(os.getcwd(), open('out.txt').read())",
        limits=SandboxLimits(**FAST),
    )
    cwd, text = scratch.stdout.split()
    assert text == "hello" and "berrys-sbx-" in cwd
    assert not os.path.exists(cwd)  # removed afterwards
    litter = await run_python(
        "import os\nopen('/tmp/berrys-litter.txt', 'w').write('x')\nos.mkdir('/tmp/berrys-litter-dir')",
        limits=SandboxLimits(**FAST),
    )
    assert litter.reason == "ok", litter.stderr
    if litter.sandbox_uid is not None:  # a throw-away uid's files in shared temp dirs are removed too
        assert not os.path.exists("/tmp/berrys-litter.txt") and not os.path.exists("/tmp/berrys-litter-dir")


@pytest.fixture
def no_isolation(monkeypatch: pytest.MonkeyPatch):
    """A host where namespaces cannot be created (e.g. a container without CAP_SYS_ADMIN):
    the probe's answer is replaced; everything else is the real sandbox."""
    monkeypatch.setattr(sandbox, "isolation_available", lambda mode: False)
    yield monkeypatch
    get_settings.cache_clear()


async def test_sandbox_fails_closed_when_isolation_is_impossible(session: Session, world, no_isolation) -> None:
    with pytest.raises(SandboxUnavailable):
        await run_python("print('escaped')", limits=SandboxLimits(**FAST))
    result = await execute_tool(world.ctx("k:closed"), "python", {"code": "print('escaped')"})
    assert (result.ok, result.error_code) == (False, "sandbox_unavailable")
    assert "BERRYS_SANDBOX_ALLOW_UNISOLATED" in result.content and "escaped" not in result.content


async def test_operator_may_allow_unisolated_snippets(session: Session, world, no_isolation) -> None:
    no_isolation.setenv("BERRYS_SANDBOX_ALLOW_UNISOLATED", "true")
    get_settings.cache_clear()
    result = await run_python("print('ran')", limits=SandboxLimits(**FAST))
    assert result.reason == "ok" and result.stdout.strip() == "ran"
    assert (result.network_isolated, result.mode) == (False, "none")


def test_isolation_and_bad_limits_are_refused_at_registration() -> None:
    for config, word in (
        ({"isolate_network": False}, "isolate_network"),
        ({"cpu_s": 1.5}, "whole number"),
        ({"memory_mb": 256.5}, "whole number"),
        ({"nproc": 8.2}, "whole number"),
        ({"allowed_hosts": ["example.com"]}, "allowed_hosts"),  # an http key on a python tool
    ):
        with pytest.raises(ValidationFailed) as refused:
            check_config("python", config)
        assert word in refused.value.message
    check_config("python", {"cpu_s": 2, "wall_s": 1.5, "memory_mb": 256})  # wall time may be fractional
    assert SandboxLimits.from_config({"cpu_s": 2.0, "memory_mb": 256.0, "timeout_s": 9}) == SandboxLimits(
        cpu_s=2, memory_mb=256
    )


_USERNS_SNIPPET = """
import os, socket, subprocess, sys
print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("environ", open("/proc/1/environ").read().replace(chr(0), " "))
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 5432), timeout=1)
    print("DB REACHABLE")
except OSError:
    print("db blocked")
try:
    print("data", os.listdir(DATA))
except OSError:
    print("data hidden")
print("dotenv", repr(open(DOTENV).read()))
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
"""


def _run_as_nobody(command: list[str], cwd: str) -> subprocess.CompletedProcess:
    """The sandbox bootstrap as a non-root worker would start it (uid 65534, no capabilities)."""
    launcher = (  # like run_python: the worker keeps its secrets in its environ, the snippet gets a scrubbed one
        "import json, subprocess, sys; "
        "sys.exit(subprocess.run(json.loads(sys.argv[1]), env={'PATH': '/usr/bin:/bin'}).returncode)"
    )
    return subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            launcher,
            json.dumps(command),
        ],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "postgresql://worker-secret@db/x"},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_non_root_worker_snippet_sees_no_worker_processes_network_or_data_dir() -> None:
    """userns mode (what a non-root worker uses): own PID namespace with a fresh /proc (the
    worker's environ is unreachable), no network, the data dir under an empty tmpfs, and
    background children killed with the snippet."""
    data = tempfile.mkdtemp(prefix="berrys-data-")
    scratch = tempfile.mkdtemp(prefix="berrys-sbx-")
    try:
        with open(os.path.join(data, "encryption_key"), "w") as handle:
            handle.write("worker-encryption-key")
        dotenv = os.path.join(scratch, "worker.env")  # stands in for the worker's .env
        with open(dotenv, "w") as handle:
            handle.write("SECRET_KEY=worker-dotenv-secret")
        os.chmod(dotenv, 0o644)
        hidden = data + os.pathsep + dotenv
        os.chmod(data, 0o755)
        os.chmod(os.path.join(data, "encryption_key"), 0o644)  # readable: only the namespace may hide it
        script = os.path.join(scratch, "main.py")
        with open(script, "w") as handle:
            handle.write(f"DATA = {data!r}\nDOTENV = {dotenv!r}\n" + _USERNS_SNIPPET)
        os.chmod(scratch, 0o777)
        limits = SandboxLimits(**FAST)
        if os.geteuid() == 0:
            if not shutil.which("setpriv") or not sandbox._world_executable("/usr/bin/python3"):
                pytest.fail(
                    "needs setpriv (util-linux) and a world-executable /usr/bin/python3 to act as a non-root worker"
                )
            command = sandbox._command("/usr/bin/python3", script, limits, None, 4096, "userns", hidden)
            done = _run_as_nobody(command, scratch)
            stdout, code = done.stdout, done.returncode
            assert code == 0, done.stderr
        else:
            command = sandbox._command(sys.executable, script, limits, None, 4096, "userns", hidden)
            done = subprocess.run(command, cwd=scratch, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
            stdout, code = done.stdout, done.returncode
            assert code == 0, done.stderr
        lines = dict(line.split(" ", 1) for line in stdout.strip().splitlines())
        assert lines["pids"] == "[1]"  # only itself: no worker, no /proc/<worker>/environ
        assert "worker-secret" not in lines["environ"] and "DATABASE_URL" not in lines["environ"]
        assert lines["db"] == "blocked"
        assert lines["data"] == "hidden"
        assert lines["dotenv"] == "''"  # covered by /dev/null
        assert _sandbox_processes() == []  # the background sleeper died with the namespace
    finally:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


async def test_snippet_cannot_read_the_data_dir_even_when_its_files_are_readable(monkeypatch) -> None:
    """Whatever mode this host uses (root: netns + throw-away uid; not root: userns), the data
    dir with the generated keys is covered inside the snippet's mount namespace."""
    data = tempfile.mkdtemp(prefix="berrys-data-")
    try:
        with open(os.path.join(data, "encryption_key"), "w") as handle:
            handle.write("worker-encryption-key")
        os.chmod(data, 0o755)
        os.chmod(os.path.join(data, "encryption_key"), 0o644)
        monkeypatch.setenv("BERRYS_DATA_DIR", data)
        get_settings.cache_clear()
        code = f"try:\n    print(open({os.path.join(data, 'encryption_key')!r}).read())\nexcept OSError:\n    print('hidden')"
        result = await run_python(code, limits=SandboxLimits(**FAST))
        assert result.reason == "ok", result.stderr
        assert result.stdout.strip() == "hidden" and "worker-encryption-key" not in result.stdout
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        shutil.rmtree(data, ignore_errors=True)
