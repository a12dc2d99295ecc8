"""Server processes: started pinned to a core, waited for, measured from /proc, and always stopped.

Every process runs in a session of its own, so that a Ctrl-C in the terminal reaches only the benchmark, which
then stops its processes itself, in reverse order, each with its whole process group (a server's own children).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The load generator and the mock upstream share core 0; each server under test has core 1 to itself.
CLIENT_CORE, SERVER_CORE = "0", "1"


class StartError(RuntimeError):
    """A server that exited or never answered; the message ends with the tail of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A process under measurement: ``cpu_seconds`` and ``rss_mb`` count it with its descendants."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        return sum(_cpu_ticks(pid) for pid in _tree(self.pid)) / CLOCK_TICKS

    def rss_mb(self) -> float:
        return sum(_rss_kb(pid) for pid in _tree(self.pid)) / 1024

    def settle(self, *, quiet_seconds: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the process stops using CPU: work it does after a reply (logging, titles) is counted."""
        deadline = time.monotonic() + timeout
        last = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(quiet_seconds)
            now = self.cpu_seconds()
            if now - last < 0.01:
                return
            last = now

    def log_tail(self, lines: int = 20) -> str:
        with suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


class Processes:
    """Starts processes and stops all of them, newest first, on ``stop_all`` (also after a Ctrl-C)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self._running: list[Server] = []

    def start(
        self,
        name: str,
        command: Sequence[str],
        *,
        core: str,
        env: Mapping[str, str] | None = None,
        url: str = "",
        cwd: Path | None = None,
    ) -> Server:
        log = self.log_dir / f"{name.replace(' ', '-').replace('/', '-')}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 -- our own commands, no shell
                ["taskset", "-c", core, *command],  # noqa: S607
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                start_new_session=True,
            )
        server = Server(name, process, url, log)
        self._running.append(server)
        return server

    def stop(self, server: Server) -> None:
        if server in self._running:
            self._running.remove(server)
        _terminate(server.process)

    def stop_all(self) -> None:
        while self._running:
            self.stop(self._running[-1])


def bench_processes(stack: ExitStack, *, keep_logs: bool) -> Processes:
    """``Processes`` logging to a new temporary directory; when ``stack`` closes, every process is stopped and
    the directory removed, or, with ``keep_logs``, kept and named."""
    logs = Path(tempfile.mkdtemp(prefix="modeldesk-bench-"))
    if keep_logs:
        stack.callback(print, f"\nServer logs: {logs}")
    else:
        stack.callback(shutil.rmtree, logs, ignore_errors=True)
    processes = Processes(logs)
    stack.callback(processes.stop_all)
    return processes


@contextmanager
def ending_on_failure(bench: str) -> Iterator[None]:
    """A server that failed (``StartError``, a failed seed's ``RuntimeError``) or a Ctrl-C ends the benchmark with
    a message and exit status 1 or 130; the ``ExitStack`` of ``bench_processes`` still stops every process."""
    try:
        yield
    except (StartError, RuntimeError) as exc:
        print(f"\n{bench} stopped: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        print("\ninterrupted; stopping the servers", file=sys.stderr)
        raise SystemExit(130) from None


def wait_ready(server: Server, path: str, *, timeout: float = 90.0) -> None:
    """Poll ``path`` until the server answers any HTTP status below 500. Raises ``StartError``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise StartError(f"{server.name} exited with status {server.process.returncode}:\n{server.log_tail()}")
        with suppress(httpx.HTTPError):
            if httpx.get(server.url + path, timeout=2.0).status_code < 500:
                return
        time.sleep(0.2)
    raise StartError(f"{server.name} did not answer {path} within {timeout:.0f} s:\n{server.log_tail()}")


def hog_command() -> list[str]:
    """A process that keeps one core busy: the "busy machine" of the goals."""
    return [sys.executable, "-c", "while True: pass"]


def interrupt_on_signals() -> None:
    """Raise KeyboardInterrupt at once on SIGINT and SIGTERM, so that the benchmark stops its servers and ends.

    asyncio's own SIGINT handling (which it installs only over Python's default handler) cancels the running
    task instead, and a cancellation that lands as a run of requests completes is lost: the next run would start.
    A SIGINT ignored on start (a background job of a script) stays ignored.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def _terminate(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)
            return


def _tree(root: int) -> list[int]:
    """``root`` and its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat_fields(int(entry.name))
            if stat:
                children.setdefault(int(stat[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _stat_fields(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name (which may hold spaces): state, ppid, ...; [] when gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return raw[raw.rindex(")") + 2 :].split()


def _cpu_ticks(pid: int) -> int:
    """utime + stime, and cutime + cstime of the children it has waited for."""
    fields = _stat_fields(pid)
    return sum(int(value) for value in fields[11:15]) if fields else 0


def _rss_kb(pid: int) -> int:
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
