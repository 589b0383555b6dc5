"""Issue 17, finding 1: a snippet plants a ``.pth`` (or any file) where a later process of the
worker's uid would run it (the interpreter's site-packages, the checkout, the worker's $HOME),
and a later snippet uses it, or just tries, to read the data dir's ``secret_key`` and
``encryption_key``. Nothing the snippet writes may reach the host, and no snippet may read the
keys."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.security.sandbox_harness import WORKERS, non_root_python, owned_dir, run_as

SECRET = "secret-key-value-4f1c"
ENCRYPTION = "encryption-key-value-9a2e"

PLANT = """
import json, os, sysconfig
targets = json.loads(TARGETS) + [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
payload = "import os; os.write(1, b'STOLEN:' + open(" + repr(SECRET) + ", 'rb').read() + bytes([10]))" + chr(10)
for target in dict.fromkeys(targets):
    path = os.path.join(target, "zz_berrys_planted.pth")
    try:
        with open(path, "w") as handle:
            handle.write(payload)
        print("planted", path)
    except OSError as exc:
        print("refused", path, exc.errno)
"""

READ_KEYS = """
for name in ("secret_key", "encryption_key"):
    try:
        print("read", name, open(DATA + "/secrets/" + name).read())
    except OSError as exc:
        print("hidden", name, exc.errno)
"""


@pytest.mark.parametrize("worker", WORKERS)
def test_planted_file_never_reaches_the_host_and_keys_stay_hidden(worker: str) -> None:
    root = Path(tempfile.mkdtemp(prefix="berrys-pth-"))
    os.chmod(root, 0o755)
    planted: list[str] = []
    try:
        data = owned_dir(root / "data", worker)
        (data / "secrets").mkdir()
        (data / "secrets" / "secret_key").write_text(SECRET)
        (data / "secrets" / "encryption_key").write_text(ENCRYPTION)
        owned_dir(data, worker)
        home = owned_dir(root / "home", worker)
        checkout = owned_dir(root / "checkout" / "berrys_app", worker)
        # the worker's interpreter lives in a venv its own uid owns (``./berrys up`` as a user)
        venv = root / "venv"
        subprocess.run([non_root_python(), "-m", "venv", "--without-pip", str(venv)], check=True)
        owned_dir(venv, worker)
        site = next(venv.glob("lib/python*/site-packages"))
        header = (
            f"TARGETS = {json.dumps(json.dumps([str(home), str(checkout)]))}\n"
            f"SECRET = {str(data / 'secrets' / 'secret_key')!r}\nDATA = {str(data)!r}\n"
        )
        env = {"BERRYS_DATA_DIR": str(data), "HOME": str(home)}
        python = str(venv / "bin" / "python") if worker == "as_non_root" else None

        # one worker process: the plant, then a later snippet (the worker probed the sandbox already)
        plant, later = run_as(worker, [header + PLANT, header + READ_KEYS], env=env, python=python, one_by_one=True)
        planted = [line.split(" ", 1)[1] for line in plant["stdout"].splitlines() if line.startswith("planted ")]

        assert plant["exit_code"] == 0, plant["stderr"]
        output = later["stdout"] + later["stderr"]
        assert SECRET not in output and ENCRYPTION not in output, f"a later snippet read the keys:\n{output}"
        assert "hidden secret_key" in later["stdout"] and "hidden encryption_key" in later["stdout"]
        for place in (home, checkout, site):
            assert not (place / "zz_berrys_planted.pth").exists(), f"the snippet planted a file in {place}"
    finally:
        for path in planted:
            if os.path.isfile(path):
                os.unlink(path)
        shutil.rmtree(root, ignore_errors=True)
