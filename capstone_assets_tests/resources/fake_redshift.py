"""A fake `redshift_connector.connect` for the RedshiftWarehouse tests (test_redshift_warehouse.py,
test_redshift_connections.py): every connection's arguments and every statement, commit, rollback and close go to one
log, and a script maps a fragment of SQL to the rows (or the error) the statements holding it get. With the role,
password and prod environment the tests build the warehouse from; the fixtures that put it in place are in
conftest.py."""

from __future__ import annotations

ROLE = "arn:aws:iam::123456789012:role/capstone-loader"
PASSWORD = "pa55-word-never-in-sql"
PROD = {"CAPSTONE_ENV": "prod", "CAPSTONE_S3_BUCKET": "b", "CAPSTONE_REDSHIFT_HOST": "h",
        "CAPSTONE_REDSHIFT_DATABASE": "d", "CAPSTONE_REDSHIFT_USER": "u", "CAPSTONE_REDSHIFT_PASSWORD": PASSWORD,
        "CAPSTONE_REDSHIFT_IAM_ROLE": ROLE}


class FakeCursor:
    def __init__(self, connection):
        self.connection, self.rows, self.description = connection, [], None

    def execute(self, sql, params=None):
        self.connection.log.append(("execute", " ".join(sql.split()), params))
        for fragment, outcomes in self.connection.script.items():
            if fragment in sql:
                outcome = outcomes
                if callable(outcome):
                    outcome = outcome(sql)
                if isinstance(outcome, BaseException):
                    raise outcome
                self.rows = list(outcome or [])
                return
        self.rows = []

    def fetchall(self):
        return self.rows

    def fetchone(self):
        return self.rows[0] if self.rows else None


class FakeSocket:
    def __init__(self, timeout):
        self.timeout = timeout

    def settimeout(self, timeout):
        self.timeout = timeout


class FakeConnection:
    def __init__(self, log, script, timeout=None):
        self.log, self.script, self.autocommit = log, script, True
        self._usock = FakeSocket(timeout)

    def cursor(self):
        return FakeCursor(self)

    def commit(self):
        self.log.append(("commit",))

    def rollback(self):
        self.log.append(("rollback",))

    def close(self):
        self.log.append(("close",))


class FakeDriver:
    """Stands in for `redshift_connector.connect`: records each connection's arguments."""

    def __init__(self):
        self.log, self.script, self.connects, self.connections = [], {}, [], []

    def __call__(self, **params):
        self.connects.append(params)
        self.log.append(("connect",))
        self.connections.append(FakeConnection(self.log, self.script, params.get("timeout")))
        return self.connections[-1]


def sequence(*outcomes):
    """A script entry giving each matching statement the next outcome (rows, or an exception to raise)."""
    pending = list(outcomes)
    return lambda sql: pending.pop(0) if len(pending) > 1 else pending[0]


def statements(log):
    return [entry[1] for entry in log if entry[0] == "execute"]


def non_statements(log):
    return [entry[0] for entry in log if entry[0] != "execute"]
