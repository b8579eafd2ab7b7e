"""The connect-time adaptation: what plain PostgreSQL refuses when the real `redshift_connector` connects.

Only three things, each applied to the driver from the outside (the product's call is unchanged):
- the driver sends Redshift-only startup parameters (`client_protocol_version`, `driver_version`,
  `os_version`, `driver_discovery_version`, and `plugin_name`/`idp_type`/`provider_name` for IAM plugins); PostgreSQL refuses unknown
  ones with `unrecognized configuration parameter`. They are dropped from the startup packet on its way out.
- the server announces `server_version` as Debian spells it (`15.18 (Debian 15.18-0+deb12u1)`), which the
  driver cannot parse; Redshift announces `8.0.2`, and the driver is told that (its only use: which command
  tags carry a row count).
- the server has no TLS (`InterfaceError: Server refuses SSL`): `ssl=False` is passed. TLS is not verified here.
- the driver's SCRAM client chokes on PostgreSQL's SASL mechanism list (it keeps the list's empty terminator
  and scramp refuses the empty name), and Redshift answers password logins with MD5 anyway: the test role
  logs in with an MD5 password (a `pg_hba.conf` line for that role only).
"""

from __future__ import annotations

import hashlib
import socket as _socket
import struct
import types

from packaging import version as _version

REDSHIFT_ONLY_STARTUP_PARAMETERS = frozenset(
    {"client_protocol_version", "driver_version", "os_version", "driver_discovery_version", "plugin_name", "idp_type",
     "provider_name", "token_type", "identity_namespace"})
REDSHIFT_SERVER_VERSION = "8.0.2"  # what a Redshift cluster announces as server_version
LOGIN_ROLE = "capstone_loader"
LOGIN_PASSWORD = "throwaway-loader-pw"


def strip_startup_parameters(message: bytes) -> bytes:
    """A StartupMessage (Int32 length, Int32 protocol, name\\0value\\0 ... \\0) without the Redshift-only parameters."""
    (protocol,) = struct.unpack("!i", message[4:8])
    fields = message[8:].split(b"\0")
    pairs = [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 2, 2) if fields[i]]
    body = struct.pack("!i", protocol) + b"".join(
        name + b"\0" + value + b"\0" for name, value in pairs if name.decode() not in REDSHIFT_ONLY_STARTUP_PARAMETERS)
    body += b"\0"
    return struct.pack("!i", len(body) + 4) + body


class _StartupFilteringStream:
    """The driver's buffered socket file: holds what is written until the first flush (the startup message)."""

    def __init__(self, stream):
        self._stream, self._pending, self._started = stream, bytearray(), False

    def write(self, data) -> int:
        if self._started:
            return self._stream.write(data)
        self._pending += data
        return len(data)

    def flush(self) -> None:
        if not self._started:
            self._started = True
            self._stream.write(strip_startup_parameters(bytes(self._pending)))
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


class _StartupFilteringSocket(_socket.socket):
    def makefile(self, *args, **kwargs):
        return _StartupFilteringStream(super().makefile(*args, **kwargs))


def socket_module() -> types.SimpleNamespace:
    """What `redshift_connector.core` sees as `socket`: the real module, whose sockets filter the startup message."""
    module = types.SimpleNamespace(**vars(_socket))
    module.socket = _StartupFilteringSocket
    return module


def _parse_version(text: str):
    try:
        return _version.parse(text)
    except _version.InvalidVersion:  # the server's own string; Redshift's is 8.0.2
        return _version.parse(REDSHIFT_SERVER_VERSION)


def version_module() -> types.SimpleNamespace:
    """What `redshift_connector.core` sees as `version` (packaging.version) when reading `server_version`."""
    module = types.SimpleNamespace(**vars(_version))
    module.parse = _parse_version
    return module


def patch_driver(monkeypatch) -> None:
    """Apply the connect-time adaptations to `redshift_connector.core` for the test's duration."""
    import redshift_connector.core as core

    monkeypatch.setattr(core, "socket", socket_module())
    monkeypatch.setattr(core, "version", version_module())


def install_login_role(server) -> tuple[str, str]:
    """A non-superuser login role with an MD5 password (as Redshift's password logins), once per server."""
    hba = server.data_dir / "pg_hba.conf"
    line = f"host all {LOGIN_ROLE} 127.0.0.1/32 md5\n"
    text = hba.read_text()
    if line not in text:
        hba.write_text(line + text)
        server.admin_execute("SELECT pg_reload_conf()")
        digest = "md5" + hashlib.md5((LOGIN_PASSWORD + LOGIN_ROLE).encode()).hexdigest()
        server.admin_execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{LOGIN_ROLE}') THEN "
                             f"CREATE ROLE {LOGIN_ROLE} LOGIN PASSWORD '{digest}'; END IF; END $$")
    return LOGIN_ROLE, LOGIN_PASSWORD
