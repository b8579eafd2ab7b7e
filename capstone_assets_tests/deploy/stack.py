"""The deployment of deploy/docker-compose.yml as plain processes: code server, webserver, daemon.

Each service's `command` is read from the compose file and run word for word (from the repository root, the
image's working directory), so the test cannot drift from what the containers run. What the containers get
from the compose file's `environment:` the test supplies itself (loopback hosts, free ports, a throwaway
PostgreSQL database, moto's S3 for step logs): `Stack.environment` must set every variable the compose file
sets for the service, and nothing the containers would not have.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from capstone_assets_tests.ui.server import DagsterDev, free_port, stop_group, wait_for

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
SERVICES = ("code-server", "webserver", "daemon")  # in start order


def compose_services() -> dict[str, dict]:
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]


def write_instance(home: Path, *overlays: Path) -> Path:
    """DAGSTER_HOME/dagster.yaml built the way the image builds it: `python deploy/instance.py HOME OVERLAY...`."""
    subprocess.run([sys.executable, str(DEPLOY / "instance.py"), str(home), *map(str, overlays)], check=True,
                   capture_output=True, text=True)
    return home / "dagster.yaml"


class Stack(DagsterDev):
    """The three services as process groups, and the webserver's GraphQL (the `ui.graphql` helpers work on it)."""

    def __init__(self, home: Path, environment: dict[str, dict[str, str]], log_dir: Path):
        super().__init__(home, {}, log_dir / "webserver.log")
        self.port = int(environment["webserver"]["DAGSTER_WEBSERVER_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.environment = environment
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen] = {}

    def command(self, service: str) -> list[str]:
        return list(compose_services()[service]["command"])

    def start(self, timeout: float = 180) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "CAPSTONE_", "AWS_"))}
        base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"  # the image's `dagster`
        for service in SERVICES:
            with open(self.log_dir / f"{service}.log", "wb") as log:
                self.processes[service] = subprocess.Popen(
                    self.command(service), cwd=REPO, env={**base, **self.environment[service]},
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for("the webserver to load the code location from the code server and the daemons to be healthy",
                 self._ready, timeout, interval=1, describe=self.log_tail)

    def _ready(self) -> bool:
        for service, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{service} exited with code {process.returncode}\n{self.log_tail()}")
        return self.workspace_ready(load_error_is_final=False)  # the code server may still be loading

    def log_tail(self, lines: int = 25) -> str:
        parts = []
        for service in SERVICES:
            path = self.log_dir / f"{service}.log"
            tail = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else ["(no log)"]
            parts.append(f"--- last lines of {path} ---\n" + "\n".join(tail))
        return "\n".join(parts)

    def stop(self, grace: float = 20) -> None:
        for process in reversed(list(self.processes.values())):
            stop_group(process, grace)


__all__ = ["Stack", "compose_services", "free_port", "write_instance", "wait_for"]
