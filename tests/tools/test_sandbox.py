"""The python tool's sandbox: limits really enforced, nothing of the worker leaks in, and the
worker (this test process) survives every snippet."""

from __future__ import annotations

import os
import shutil
import tempfile

import psutil
import pytest
from sqlmodel import Session, select

from berrys_app.domain.tools import ToolCall, ToolCreate, ToolKind
from berrys_app.services import system
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Unauthorized, ValidationFailed
from berrys_app.services.tools import execute_tool, register_tool, sandbox
from berrys_app.services.tools.registry import check_config
from berrys_app.services.tools.sandbox import SandboxLimits, SandboxUnavailable, run_python
from berrys_app.services.tools.sandbox_cgroup import find_delegated
from berrys_app.services.tools.sandbox_uids import UID_BASE, UID_SPAN
from berrys_app.settings import get_settings
from tests.security.sandbox_harness import run_as

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
    session.commit()


def _is_sandbox_process(proc: psutil.Process) -> bool:
    """A snippet's live process: a throw-away uid (root workers), or (any worker) bubblewrap or
    anything whose cmdline names the sandbox script or runs in the sandbox's working dir.
    Zombies run nothing (and a host whose pid 1 does not reap keeps them)."""
    try:
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            return False
        if proc.info["uids"] and UID_BASE <= proc.info["uids"].real < UID_BASE + UID_SPAN:
            return True
        if proc.info["uids"] and proc.info["uids"].real != os.getuid():
            return False
        where = " ".join(proc.cmdline())
    except psutil.Error:
        return False
    return "/sandbox/main.py" in where or (proc.info["name"] == "bwrap")


def _all_sandbox_processes() -> set[psutil.Process]:
    return {p for p in psutil.process_iter(["uids", "status", "name"]) if _is_sandbox_process(p)}


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
    assert "uid 65534" in result.stdout  # inside: never the worker's uid
    if os.geteuid() == 0:  # outside, root workers start the sandbox as a throw-away unprivileged uid
        assert UID_BASE <= result.sandbox_uid < UID_BASE + UID_SPAN


async def test_output_cap_and_scratch_dir(session: Session, world) -> None:
    _fast_python(session, world)
    flood = await _run(world, "print('x' * 1_000_000)", "k:flood")
    assert flood.error_code == "sandbox_output_limit"
    scratch = await run_python(
        "import os\nopen('out.txt', 'w').write('hello')\nprint(os.getcwd(), open('out.txt').read())",
        limits=SandboxLimits(**FAST),
    )
    cwd, text = scratch.stdout.split()
    assert text == "hello" and cwd == "/sandbox"
    assert not os.path.exists("/sandbox/out.txt")  # a private tmpfs: never on the host
    litter = await run_python(
        "import os\nopen('/tmp/berrys-litter.txt', 'w').write('x')\nos.mkdir('/tmp/berrys-litter-dir')\n"
        "open('/dev/shm/berrys-litter', 'w').write('x')\nopen(os.path.expanduser('~/.bashrc'), 'w').write('x')",
        limits=SandboxLimits(**FAST),
    )
    assert litter.reason == "ok", litter.stderr
    assert not os.path.exists("/tmp/berrys-litter.txt") and not os.path.exists("/tmp/berrys-litter-dir")
    assert not os.path.exists("/dev/shm/berrys-litter")
    later = await run_python(
        "import os\nprint(sorted(os.listdir('.')), sorted(os.listdir('/tmp')), os.listdir(os.path.expanduser('~')))",
        limits=SandboxLimits(**FAST),
    )
    assert later.stdout.split() == ["['main.py']", "[]", "[]"]  # nothing of an earlier snippet survives


@pytest.fixture
def no_isolation(monkeypatch: pytest.MonkeyPatch):
    """A host where namespaces cannot be created (e.g. a container without CAP_SYS_ADMIN):
    the probe's answer is replaced; everything else is the real sandbox."""
    monkeypatch.setattr(sandbox, "isolation_available", lambda: False)
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


_NON_ROOT_SNIPPET = """
import os, socket, subprocess, sys
print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("environ", open("/proc/1/environ").read().replace(chr(0), " "))
try:
    socket.create_connection(("127.0.0.1", 5432), timeout=1)
    print("db REACHABLE")
except OSError:
    print("db blocked")
for name, path in (("data", DATA), ("dotenv", DOTENV)):
    try:
        print(name, os.listdir(path) if name == "data" else repr(open(path).read()))
    except OSError:
        print(name, "hidden")
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
"""


async def test_non_root_worker_snippet_sees_no_worker_processes_network_or_data_dir() -> None:
    """A non-root worker (``./berrys up`` as a user; here a worker process started with
    setpriv): the snippet's own PID namespace (the worker's environ is unreachable), no
    network, neither the data dir nor the worker's ``.env`` exist inside, and background
    children die with the snippet."""
    data = tempfile.mkdtemp(prefix="berrys-data-")
    try:
        with open(os.path.join(data, "encryption_key"), "w") as handle:
            handle.write("worker-encryption-key")
        dotenv = os.path.join(data, "worker.env")  # stands in for the worker's .env
        with open(dotenv, "w") as handle:
            handle.write("SECRET_KEY=worker-dotenv-secret")
        for path in (data, os.path.join(data, "encryption_key"), dotenv):
            os.chmod(path, 0o755 if path == data else 0o644)  # readable: only the sandbox may hide them
        code = f"DATA = {data!r}\nDOTENV = {dotenv!r}\n" + _NON_ROOT_SNIPPET
        result = run_as("as_non_root", [code], limits=FAST, env={"BERRYS_DATA_DIR": data})[0]
        assert result["exit_code"] == 0, result["stderr"]
        lines = dict(line.split(" ", 1) for line in result["stdout"].strip().splitlines())
        assert lines["pids"] == "[1, 2]"  # bubblewrap's init and the snippet: no worker
        assert "worker-secret" not in lines["environ"] and "DATABASE_URL" not in lines["environ"]
        assert lines["db"] == "blocked"
        assert lines["data"] == "hidden" and lines["dotenv"] == "hidden"
        assert _sandbox_processes() == []  # the background sleeper died with the namespace
    finally:
        shutil.rmtree(data, ignore_errors=True)


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


_KERNEL_SURFACE = """
import ctypes, errno, os
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
print("nnp", status["NoNewPrivs"].strip(), "seccomp", status["Seccomp"].strip(), "capeff", status["CapEff"].strip())
libc = ctypes.CDLL(None, use_errno=True)
for name, call in (
    ("ptrace", lambda: libc.ptrace(16, 1, 0, 0)),  # PTRACE_ATTACH to pid 1
    ("unshare", lambda: libc.unshare(0x10000000)),  # CLONE_NEWUSER
    ("mount", lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
    ("keyctl", lambda: libc.syscall(250, 0, 0, 0, 0, 0)),  # keyctl(KEYCTL_GET_KEYRING_ID)
    ("bpf", lambda: libc.syscall(321, 0, 0, 0)),
    ("personality", lambda: libc.personality(0x0040000)),  # ADDR_NO_RANDOMIZE
):
    ctypes.set_errno(0)
    rc = call()
    print(name, rc, errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno()))
"""


@pytest.mark.parametrize("worker", ["as_root", "as_non_root"])
def test_no_new_privs_seccomp_and_no_capabilities(worker: str) -> None:
    """The seccomp filter is on (so is no_new_privs), no capability is left, and the syscalls of
    the deny-list fail with EPERM (ptrace, new namespaces, mounts, keyrings, eBPF, personality)."""
    result = run_as(worker, [_KERNEL_SURFACE], limits=FAST)[0]
    assert result["exit_code"] == 0, result["stderr"]
    first, *calls = result["stdout"].strip().splitlines()
    assert first == "nnp 1 seccomp 2 capeff 0000000000000000"
    for line in calls:
        _name, rc, err = line.split()
        assert (rc, err) == ("-1", "EPERM"), line


def test_the_system_page_says_how_snippets_run() -> None:
    described = sandbox.describe()
    assert described["isolation"] == "bubblewrap" and described["seccomp"] is True
    assert described["limits"] in {"cgroup v2", "rlimits"}
    assert described["caps"]["memory_mb"] == get_settings().sandbox_max_memory_mb
    shown = system.sandbox_status(Actor.system())
    assert (shown["isolation"], shown["seccomp"]) == ("bubblewrap", "on")
    assert f"{get_settings().sandbox_max_memory_mb} MB" in shown["caps"]
    assert f"{get_settings().sandbox_max_output_bytes:,} bytes output" in shown["caps"]  # not 1e+06
    with pytest.raises(Unauthorized):  # it describes the host: signed-in people only, like the workers
        system.sandbox_status(Actor(user_id=None, label="anonymous"))


def test_a_delegated_cgroup_is_found_only_with_its_controllers(tmp_path) -> None:
    """cgroup v2 is used where the controllers are enabled for our subtree (our cgroup, or our
    parent for a systemd unit with Delegate=yes whose worker sits in a leaf), else rlimits."""
    unit = tmp_path / "system.slice" / "berrys.service"
    (unit / "worker").mkdir(parents=True)
    (unit / "cgroup.subtree_control").write_text("cpu memory\n")
    assert find_delegated(tmp_path, "/system.slice/berrys.service/worker") is None  # no pids
    (unit / "cgroup.subtree_control").write_text("cpu io memory pids\n")
    assert find_delegated(tmp_path, "/system.slice/berrys.service/worker") == unit
    (tmp_path / "cgroup.subtree_control").write_text("cpu memory pids\n")
    assert find_delegated(tmp_path, "/") == tmp_path  # a container's cgroup namespace root
