"""No network, no execution, no data loss.

The CLI runs in a subprocess whose sockets raise and whose audit hook records every
network, process and import event; the analysed files would leave a marker file (or
exit) if anything imported or executed them. Writers are killed with SIGKILL mid-write.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mlgreenlint import atomic

GUARD = r'''
import socket, sys

import os
ROOT = os.getcwd() + os.sep
EVENTS = []
def deny(*args, **kwargs):
    raise OSError("network disabled by the test")

class NoSocket(socket.socket):
    def __init__(self, *args, **kwargs):
        deny()

socket.socket = NoSocket
socket.create_connection = deny
socket.getaddrinfo = deny
socket.gethostbyname = deny

WATCHED = ("socket.", "urllib.", "http.", "ftplib.", "smtplib.", "os.system", "os.exec", "os.spawn",
           "os.posix_spawn", "subprocess.Popen", "import", "exec")
def hook(event, args):
    if event.startswith(WATCHED):
        if event == "import" and not str(args[0]).startswith("evil"):
            return
        if event == "exec":
            code = args[0]
            if getattr(code, "co_filename", "").startswith(ROOT):  # code from the analysed tree
                EVENTS.append(("exec", code.co_filename))
            return
        if event == "subprocess.Popen" and str(args[0]).endswith("git"):
            return  # git ls-files: discovery, not the analysed code
        EVENTS.append((event, repr(args)[:200]))
sys.addaudithook(hook)

import atexit
OUT = sys.argv[1]
atexit.register(lambda: open(OUT, "w").write(repr(EVENTS)))
sys.argv = ["mlgreenlint", *sys.argv[2:]]
from mlgreenlint.cli import main
main()
'''


def _hostile_tree(root: Path, marker: Path) -> None:
    side_effect = f"open({str(marker)!r}, 'w').write('pwned')\n"
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text(side_effect + "from pkg import evil\n", encoding="utf-8")
    (root / "pkg" / "evil.py").write_text(
        side_effect + "import os\nos.system('touch ' + " + repr(str(marker)) + ")\n"
        "raise SystemExit(3)\n"
        "from lightning.pytorch import Trainer\ntrainer = Trainer(precision=32)\ntrainer.fit(model)\n",
        encoding="utf-8",
    )
    (root / "setup.py").write_text(side_effect + "import urllib.request\nurllib.request.urlopen('http://example.com')\n",
                                   encoding="utf-8")
    (root / "conftest.py").write_text(side_effect + "import socket\nsocket.create_connection(('example.com', 80))\n",
                                      encoding="utf-8")
    (root / "accelerate_config.yaml").write_text(
        "mixed_precision: !!python/object/apply:os.system ['touch " + str(marker) + "']\n", encoding="utf-8")
    (root / "ds_config.json").write_text('{"fp16": {"enabled": false}, "train_batch_size": 8}\n', encoding="utf-8")
    rules = root / "myrules"
    rules.mkdir()
    (rules / "evil.py").write_text(side_effect, encoding="utf-8")
    (rules / "XX001-evil-strings.toml").write_text(textwrap.dedent(f'''
        id = "XX001"
        name = "evil-strings"
        family = "XX"
        severity = "warning"
        message = "__import__('os').system('touch {marker}')"
        [match]
        [[match.python]]
        call = ["os.system"]
        [docs]
        what = "{{{{ __import__('os').system('touch {marker}') }}}}"
        why = "exec(open('{marker}', 'w').write('x'))"
        bad = "import os\\nos.system('x')\\n"
        good = "print('x')\\n"
        references = []
        [examples]
        invalid = [ {{ code = "import os\\nos.system('x')  # expect: XX001\\n" }} ]
        valid = [ {{ code = "print('x')\\n" }} ]
        '''), encoding="utf-8")
    (root / "pyproject.toml").write_text('[tool.mlgreenlint]\nrule-paths = ["myrules"]\n', encoding="utf-8")


@pytest.mark.parametrize("use_git", [False, True], ids=["walk", "git"])
def test_no_network_and_nothing_analysed_is_imported_or_executed(tmp_path, use_git):
    root, marker, events = tmp_path / "repo", tmp_path / "pwned", tmp_path / "events.txt"
    root.mkdir()
    _hostile_tree(root, marker)
    if use_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    proc = subprocess.run([sys.executable, "-c", GUARD, str(events), "check", "--format", "json", "."],
                          cwd=root, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    found = sorted((f["path"], f["rule"]) for f in json.loads(proc.stdout))
    assert ("pkg/evil.py", "XX001") in found
    assert ("pkg/evil.py", "MP003") in found
    assert ("ds_config.json", "MP006") in found
    assert not marker.exists()
    assert events.read_text() == "[]"


def test_the_guard_itself_is_not_vacuous(tmp_path):
    """The same wrapper stops a connection and records a process launch and an import."""
    events = tmp_path / "events.txt"
    code = GUARD.replace("from mlgreenlint.cli import main\nmain()", textwrap.dedent("""
        import socket, os
        for attempt in (lambda: socket.create_connection(("127.0.0.1", 9)), lambda: socket.socket()):
            try:
                attempt()
            except OSError as exc:
                assert "network disabled" in str(exc)
            else:
                raise AssertionError("connected")
        os.system("true")
        sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else ".")
        try:
            import evil_never_there
        except ImportError:
            pass
        """))
    subprocess.run([sys.executable, "-c", code, str(events)], check=True, timeout=60)
    recorded = events.read_text()
    assert "os.system" in recorded and "evil_never_there" in recorded


# --- atomic writes under SIGKILL -----------------------------------------------------------

SLOW_WRITER = r'''
import os, sys, time
from pathlib import Path
ready, mode = Path(sys.argv[1]), sys.argv[2]
if mode == "fsync":
    def slow_fsync(fd):
        ready.write_text("ready")
        time.sleep(60)
    os.fsync = slow_fsync
else:
    real_fdopen = os.fdopen
    class Half:
        def __init__(self, handle):
            self.handle = handle
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self.handle.close()
        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            ready.write_text("ready")
            time.sleep(60)
        def __getattr__(self, name):
            return getattr(self.handle, name)
    os.fdopen = lambda fd, *a, **k: Half(real_fdopen(fd, *a, **k))
sys.argv = ["mlgreenlint", *sys.argv[3:]]
from mlgreenlint.cli import main
main()
'''


def _kill_mid_write(cwd: Path, mode: str, *args: str) -> None:
    # The cache writes first when it is on; these tests are about the report and the baseline.
    args = (args[0], "--no-cache", *args[1:])
    ready = cwd / ".ready"
    ready.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(ready), mode, *args], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, "the writer finished before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    ready.unlink()


@pytest.mark.parametrize("mode", ["fsync", "half-written"])
@pytest.mark.parametrize("flag", ["--output", "--write-baseline"])
def test_killed_writer_leaves_the_old_file_whole(tmp_path, mode, flag):
    (tmp_path / "train.py").write_text(
        "from lightning.pytorch import Trainer\n" + "Trainer(precision=32).fit(m)\n" * 200, encoding="utf-8")
    target = tmp_path / "out.json"
    target.write_bytes(b'{"old": "complete"}\r\n')
    os.chmod(target, 0o640)
    _kill_mid_write(tmp_path, mode, "check", "--isolated", "--format", "json", flag, "out.json", "train.py")
    assert target.read_bytes() == b'{"old": "complete"}\r\n'
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.json.")]
    assert len(leftovers) == 1 and leftovers[0].endswith(".tmp")
    # The next run replaces the target completely and removes the dead writer's temporary file.
    subprocess.run([sys.executable, "-m", "mlgreenlint", "check", "--isolated", "--format", "json", flag, "out.json",
                    "train.py"], cwd=tmp_path, capture_output=True, timeout=120, check=False)
    assert json.loads(target.read_text(encoding="utf-8"))
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.json.")] == []


def test_killed_writer_of_a_new_file_leaves_no_target(tmp_path):
    (tmp_path / "train.py").write_text("x = 1\n", encoding="utf-8")
    _kill_mid_write(tmp_path, "half-written", "check", "--isolated", "--format", "json", "--output", "new.json",
                    "train.py")
    assert not (tmp_path / "new.json").exists()


def test_live_writers_temporary_files_are_kept(tmp_path):
    target = tmp_path / "cache.json"
    live = tmp_path / f".cache.json.{os.getppid()}.abc.tmp"
    dead = tmp_path / ".cache.json.999999999.abc.tmp"
    old = tmp_path / f".cache.json.{os.getppid()}.old.tmp"
    other = tmp_path / ".other.json.999999999.abc.tmp"
    for path in (live, dead, old, other):
        path.write_text("partial")
    os.utime(old, (time.time() - 2 * atomic.STALE_AFTER,) * 2)
    atomic.write_text(target, "new")
    assert target.read_text() == "new"
    assert live.exists() and other.exists()
    assert not dead.exists() and not old.exists()


def test_no_sweep_leaves_other_temporaries_alone(tmp_path):
    dead = tmp_path / ".entry.json.999999999.abc.tmp"
    dead.write_text("partial")
    atomic.write_text(tmp_path / "entry.json", "new", sweep=False)
    assert dead.exists()


def test_crlf_and_mode_preserved_on_replace(tmp_path):
    target = tmp_path / "baseline.json"
    target.write_bytes(b"old\r\n")
    os.chmod(target, 0o600)
    atomic.write_text(target, "new\r\nline\r\n")
    assert target.read_bytes() == b"new\r\nline\r\n"
    assert oct(target.stat().st_mode & 0o777) == oct(0o600)
