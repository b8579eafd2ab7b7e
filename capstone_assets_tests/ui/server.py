"""The real `dagster dev -w workspace.yaml` (webserver + daemon) as a subprocess, and a GraphQL client for it.

The server listens on a free 127.0.0.1 port with its own DAGSTER_HOME (a copy of the project's
`.dagster_home/dagster.yaml`), lake and warehouse. `stop()` kills the whole process group (webserver,
daemon and the code servers they spawn), so nothing survives a test session, also after a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, TypeVar

from capstone_assets_tests.helpers import daemon_ticks

REPO = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).with_name("dagster")
T = TypeVar("T")

WORKSPACE_QUERY = """
{ workspaceOrError { ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""
DAEMONS_QUERY = "{ instance { daemonHealth { allDaemonStatuses { daemonType healthy required } } } }"


class GraphQLError(AssertionError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 1.0,
             describe: Callable[[], str] = lambda: "") -> T:
    """Call probe until it returns something truthy; fail after timeout naming what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{describe()}")
        time.sleep(interval)


def stop_group(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM to the process group `process` leads (started with `start_new_session=True`), SIGKILL after `grace`
    seconds, and wait until no process of the group is left."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            process.poll()
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


class DagsterDev:
    def __init__(self, home: Path, env: dict[str, str], log_path: Path):
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._env = {**os.environ, **daemon_ticks(), **env, "DAGSTER_HOME": str(home)}
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 180) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / ".dagster_home" / "dagster.yaml", self.home / "dagster.yaml")
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(
                [str(DAGSTER), "dev", "-w", "workspace.yaml", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=REPO, env=self._env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for(f"the Dagster webserver at {self.url} to load the workspace and start its daemons",
                 self._ready, timeout, interval=2, describe=self.log_tail)

    def _ready(self) -> bool:
        if self._process.poll() is not None:
            raise AssertionError(f"dagster dev exited with code {self._process.returncode}\n{self.log_tail()}")
        return self.workspace_ready(load_error_is_final=True)

    def workspace_ready(self, load_error_is_final: bool) -> bool:
        """Every code location loaded and every required daemon healthy. A location's load error fails at once
        when `load_error_is_final`; otherwise (a separate code server still starting) it means "not yet"."""
        try:
            entries = self.query(WORKSPACE_QUERY, timeout=5)["workspaceOrError"]["locationEntries"]
            daemons = self.query(DAEMONS_QUERY, timeout=5)["instance"]["daemonHealth"]["allDaemonStatuses"]
        except (OSError, GraphQLError):
            return False
        for entry in entries:
            error = entry["locationOrLoadError"] or {}
            if error.get("__typename") == "PythonError":
                if load_error_is_final:
                    raise AssertionError(f"code location {entry['name']} failed to load: {error['message']}")
                return False
        loaded = bool(entries) and all(e["loadStatus"] == "LOADED" and e["locationOrLoadError"] for e in entries)
        return loaded and all(d["healthy"] for d in daemons if d["required"])

    def query(self, text: str, variables: dict | None = None, timeout: float = 60) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql", data=json.dumps({"query": text, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise GraphQLError(f"HTTP {error.code} from {self.url}/graphql: {error.read()[:2000]!r}") from None
        if body.get("errors"):
            raise GraphQLError(f"GraphQL errors: {json.dumps(body['errors'])[:4000]}")
        return body["data"]

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no server log)"
        tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return f"--- last {len(tail)} lines of {self.log_path} ---\n" + "\n".join(tail)

    def stop(self, grace: float = 20) -> None:
        if self._process is not None:
            stop_group(self._process, grace)
