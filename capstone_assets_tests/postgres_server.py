"""A throwaway PostgreSQL server for the tests: Debian's server binaries, a fresh cluster on a free loopback port.

PostgreSQL refuses to run as root, so under root (CI) the cluster is created and run as the unprivileged
`postgres` account (`runuser -u postgres`), its folder owned by that account. Password authentication
(SCRAM) on TCP, as a real warehouse asks for. Without server binaries the tests that need one skip with a
one-line reason, except under CI (`CI=true`), where a missing server is a failure: `.ci/run` installs it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "capstone_admin"
SUPERUSER_PASSWORD = "throwaway-superuser-pw"
SERVICE_ACCOUNT = "postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, newest version first; None when not installed."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(os.path.realpath(on_path)).parent))
    for folder in candidates:
        if all(Path(folder, name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    return None


def skip_or_fail(reason: str) -> None:
    """Skip with a one-line reason on a user's machine; fail in CI, where every server test must run."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI never skips these: .ci/run installs Debian's postgresql)", pytrace=False)
    pytest.skip(reason)


@dataclass
class PostgresServer:
    """One running cluster. `dsn(database)` gives connection settings; `create_database()` a fresh database."""

    root: Path
    port: int
    binaries: Path
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    password: str = SUPERUSER_PASSWORD

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def _as_service_account(self, *command: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", SERVICE_ACCOUNT, "--", *command]
        return list(command)

    def _run(self, *command: str) -> None:
        result = subprocess.run(self._as_service_account(*command), capture_output=True, text=True, cwd="/")
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")

    def start(self) -> "PostgresServer":
        self.root.mkdir(parents=True, exist_ok=True)
        password_file = self.root / "pwfile"
        password_file.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.root, SERVICE_ACCOUNT)
            shutil.chown(password_file, SERVICE_ACCOUNT)
            os.chmod(self.root, 0o700)
        self._run(str(self.binaries / "initdb"), "-D", str(self.data_dir), "-U", self.user, "--pwfile", str(password_file),
                  "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-c listen_addresses={self.host} -p {self.port} -k {self.root} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB")
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.root / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        subprocess.run(self._as_service_account(str(self.binaries / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate",
                                                "-w", "stop"), capture_output=True, cwd="/")
        shutil.rmtree(self.root, ignore_errors=True)

    def dsn(self, database: str = "postgres") -> dict:
        return {"host": self.host, "port": self.port, "database": database, "user": self.user, "password": self.password}

    def psql_url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def admin_execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement as the superuser over the local socket (test setup only: databases, roles)."""
        psql = self.binaries / "psql"
        self._run(str(psql) if psql.exists() else "psql",
                  "-h", str(self.root), "-p", str(self.port), "-U", self.user, "-d", database, "-v", "ON_ERROR_STOP=1",
                  "-q", "-c", sql)

    def create_database(self, prefix: str = "t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.admin_execute(f'CREATE DATABASE "{name}"')
        return name


def start_server() -> PostgresServer:
    binaries = server_binaries()
    if binaries is None:
        skip_or_fail("PostgreSQL server binaries not found (install Debian's 'postgresql' package to run these tests)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        skip_or_fail("running as root without 'runuser': PostgreSQL refuses to run as root")
    root = Path(tempfile.mkdtemp(prefix="capstone-pg-"))
    return PostgresServer(root=root, port=free_port(), binaries=binaries).start()


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL cluster per test process (each xdist worker has its own)."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> dict:
    """A fresh, empty database in the session's cluster; returns its connection settings."""
    return postgres_server.dsn(postgres_server.create_database())
