"""A stdio MCP server runs in the python tool's bubblewrap sandbox (``sandbox_command``).

What it sees, read-only: the system files (as snippets) and its command's own files:
- every absolute path of its argv that the operator's template spells out (the command, a
  script), and the absolute paths a team admin put in a ``{slot}`` only when any user of the
  host could read them anyway (root must not open a file for them);
- when the command lives in a venv's ``bin`` (``pyvenv.cfg`` one level up), that venv and
  the base interpreter prefix its ``pyvenv.cfg`` names (``home``).
Private tmpfs ``/tmp``, ``/dev/shm`` and ``$HOME``; no network unless the template says
``"network": true``; its environment is what the server was given plus PATH and HOME.

The mcp package's ``stdio_client`` passes no file descriptors, so a small shell launcher opens
the seccomp filter (a 0600 file of this worker process) as fd 9 before it execs bubblewrap.
A root worker runs the server as a throw-away uid held for the link's whole life: its launcher
first enters a private mount namespace (``unshare``) and mounts the command's files on a
staging tmpfs there, so bubblewrap, already running as that uid, can bind them even when they
lie under a directory only root can traverse (a checkout or pyenv under ``/root``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from mcp import StdioServerParameters
from mcp.client.stdio import DEFAULT_INHERITED_ENV_VARS

from berrys_app.services.errors import Conflict
from berrys_app.services.tools import sandbox
from berrys_app.services.tools import sandbox_command as command
from berrys_app.services.tools.context import ToolFailure
from berrys_app.services.tools.sandbox_seccomp import compiled_filter
from berrys_app.services.tools.sandbox_uids import kill_uid, throwaway_uid
from berrys_app.settings import McpStdioTemplate, get_settings

SECCOMP_FD = 9
UNAVAILABLE = (
    "this host cannot sandbox stdio MCP servers (bubblewrap is missing or cannot create namespaces); "
    "the operator can allow unsandboxed servers with BERRYS_SANDBOX_ALLOW_UNISOLATED=true"
)
# $1 staging dir, $2 how many binds, then their sources, the seccomp filter file, the command
_LAUNCHER = """set -e
stage=$1; count=$2; shift 2
if [ "$count" -gt 0 ]; then mount -t tmpfs -o mode=0755,size=64k berrys-mcp "$stage"; fi
i=0
while [ "$i" -lt "$count" ]; do
  if [ -d "$1" ]; then mkdir "$stage/$i"; else : > "$stage/$i"; fi
  mount --bind "$1" "$stage/$i"
  i=$((i + 1)); shift
done
exec 9<"$1"; shift
exec "$@"
"""


def _world_readable(path: str) -> bool:
    """True when any uid could read ``path`` (every parent traversable by others)."""
    real = Path(os.path.realpath(path))
    if not real.exists():
        return False
    wanted = 0o005 if real.is_dir() else 0o004
    return os.stat(real).st_mode & wanted == wanted and all(os.stat(p).st_mode & 0o001 for p in real.parents)


def _venv_paths(executable: str) -> list[str]:
    """The venv ``executable`` lives in and its base interpreter prefix, if it is in one."""
    venv = os.path.dirname(os.path.dirname(executable))
    config = os.path.join(venv, "pyvenv.cfg")
    if not os.path.isfile(config):
        return []
    found = [venv]
    for line in Path(config).read_text(errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home" and os.path.isabs(value.strip()):
            prefix = os.path.dirname(value.strip().rstrip("/"))
            if prefix != "/":
                found.append(prefix)
    return found


def command_paths(template: McpStdioTemplate, argv: list[str]) -> list[str]:
    """The paths (as the command names them) bound into its sandbox: see the module doc."""
    wanted: list[str] = []
    for part, value in zip(template.argv, argv, strict=True):
        if os.path.isabs(value) and (part == value or _world_readable(value)):
            wanted.append(os.path.normpath(value))
    if os.path.isabs(argv[0]):
        wanted += _venv_paths(os.path.normpath(argv[0]))
    chosen: list[str] = []
    for path in sorted(set(wanted), key=lambda p: (p.count("/"), p)):  # parents first
        inside = any(path == c or path.startswith(c.rstrip("/") + "/") for c in chosen)
        if os.path.exists(path) and not inside and not command.covered(os.path.realpath(path)):
            chosen.append(path)
    return chosen


@functools.cache
def _can_stage() -> bool:
    """Whether a root worker can give its servers a private mount namespace (probed once);
    a non-root worker needs none."""
    if os.geteuid() != 0:
        return True
    try:
        probe = [command.tool_path("unshare"), "--mount", "--propagation", "private", "--", "true"]
        return subprocess.run(probe, capture_output=True, timeout=30, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError, RuntimeError):
        return False


_PRIVATE_DIRS: dict[str, str] = {}


def _private_dir(prefix: str) -> str:
    """A 0700 temp dir of this worker process, made again if something removed it (a tmp
    cleaner, a test's temp dir) since it was last used."""
    path = _PRIVATE_DIRS.get(prefix)
    if path is None or not os.path.isdir(path):
        path = _PRIVATE_DIRS[prefix] = tempfile.mkdtemp(prefix=prefix)
    return path


def _seccomp_file() -> str:
    """The filter, written once to a 0600 file in a private dir (again when it is gone)."""
    path = os.path.join(_private_dir("berrys-mcp-seccomp-"), "filter.bpf")
    if not os.path.isfile(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(compiled_filter())
    return path


def _stage_dir() -> str:
    """The mount point of each root launcher's staging tmpfs (in its own mount namespace)."""
    return _private_dir("berrys-mcp-stage-")


def sandboxed_argv(template: McpStdioTemplate, argv: list[str], env: dict[str, str], uid: int | None) -> list[str]:
    """The launcher, (as root: ``unshare`` and ``setpriv`` to ``uid``), bubblewrap, the command."""
    paths = command_paths(template, argv)
    stage = _stage_dir()
    staged = uid is not None
    binds = [(f"{stage}/{i}" if staged else os.path.realpath(p), p) for i, p in enumerate(paths)]
    unset = [name for name in DEFAULT_INHERITED_ENV_VARS if name not in env]
    inner = command.bwrap_argv_for(
        argv,
        binds=binds,
        network=template.network,
        seccomp_fd=SECCOMP_FD,
        tmpfs_mb=get_settings().sandbox_max_fsize_mb,
        unset_env=unset,
    )
    if staged:
        inner = command.as_uid_argv(uid) + inner
    sources = [os.path.realpath(p) for p in paths] if staged else []
    launcher = ["/bin/sh", "-c", _LAUNCHER, "sh", stage, str(len(sources)), *sources, _seccomp_file(), *inner]
    if staged:
        launcher = [command.tool_path("unshare"), "--mount", "--propagation", "private", "--", *launcher]
    return launcher


async def sandbox_or_refusal() -> bool:
    """Whether stdio servers run sandboxed here; ``Conflict`` when they cannot be and the
    operator did not allow unsandboxed ones (fail closed)."""
    isolated = await asyncio.to_thread(sandbox.isolation_available) and await asyncio.to_thread(_can_stage)
    if not isolated and not get_settings().sandbox_allow_unisolated:
        raise Conflict(UNAVAILABLE)
    return isolated


@contextlib.asynccontextmanager
async def sandboxed(
    template: McpStdioTemplate, argv: list[str], env: dict[str, str]
) -> AsyncIterator[StdioServerParameters]:
    """The server's start parameters, with (on a root worker) its throw-away uid held until the
    block ends (the link closes or crashes); then every process of that uid is killed."""
    try:
        isolated = await sandbox_or_refusal()
    except Conflict as exc:
        raise ToolFailure("mcp_unavailable", exc.message) from exc
    if not isolated:
        yield StdioServerParameters(command=argv[0], args=argv[1:], env=env or None)
        return
    env = {**env, **{k: v for k, v in command.sandbox_env().items() if k in ("PATH", "HOME")}}
    with contextlib.ExitStack() as stack:
        uid = None
        if os.geteuid() == 0:  # a root worker's server runs as a throw-away uid
            try:
                uid = stack.enter_context(throwaway_uid(Path(get_settings().data_dir).resolve() / "sandbox-uids"))
            except (OSError, RuntimeError) as exc:
                raise ToolFailure("mcp_unavailable", f"no sandbox uid for the MCP server: {exc}") from exc
        try:
            wrapped = await asyncio.to_thread(sandboxed_argv, template, argv, env, uid)
        except (OSError, RuntimeError) as exc:
            raise ToolFailure("mcp_unavailable", f"the MCP server's sandbox could not be prepared: {exc}") from exc
        try:
            yield StdioServerParameters(command=wrapped[0], args=wrapped[1:], env=env)
        finally:
            if uid is not None:
                await asyncio.to_thread(kill_uid, uid, own_child=0)
