"""The only module that reads environment variables.

Every setting is read once, validated, and turned into a `Settings` value. A missing or
malformed setting raises `SettingsError` naming the variable; secret values are never read
here (they reach the Redshift resource through `dagster.EnvVar`) and never printed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
MONTH_START = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-01$")
MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)

DEFAULT_DEGREES = ("data_science", "data_engineering", "machine_learning")
SECRET_VARIABLES = ("CAPSTONE_REDSHIFT_PASSWORD",)
REDSHIFT_VARIABLES = (  # password authentication
    "CAPSTONE_REDSHIFT_HOST", "CAPSTONE_REDSHIFT_DATABASE", "CAPSTONE_REDSHIFT_USER", "CAPSTONE_REDSHIFT_PASSWORD",
    "CAPSTONE_REDSHIFT_IAM_ROLE",
)
REDSHIFT_IAM_VARIABLES = ("CAPSTONE_REDSHIFT_DATABASE", "CAPSTONE_REDSHIFT_DB_USER", "CAPSTONE_REDSHIFT_IAM_ROLE")
# COPY/UNLOAD's IAM_ROLE: `default` (the role set as the cluster's default) or a role ARN of any AWS partition
IAM_ROLE_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
AWS_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]{0,127}$")  # cluster, workgroup, region and profile names


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable, never a secret value."""


@dataclass(frozen=True)
class Settings:
    env: str
    lake_dir: Path
    duckdb_path: Path
    degrees: tuple[str, ...]
    s3_bucket: str | None
    s3_prefix: str
    s3_endpoint_url: str | None
    redshift_host: str | None
    redshift_port: int
    redshift_database: str | None
    redshift_user: str | None
    redshift_iam_role: str | None
    duckdb_lock_timeout_seconds: float
    learning_start: str
    learning_end: str | None
    sparkify_start: str = "2018-11-01"
    sparkify_end: str | None = "2018-12-01"  # exclusive
    duckdb_memory_limit: str | None = None  # DuckDB's own default (80% of RAM) when None
    redshift_connect_timeout: int = 30  # seconds to open a connection
    redshift_statement_timeout: int | None = None  # seconds a statement may run (None: the server's limit)
    redshift_iam: bool = False  # authenticate with IAM (temporary credentials) instead of a password
    redshift_cluster_identifier: str | None = None  # IAM on a provisioned cluster
    redshift_workgroup: str | None = None  # IAM on a Serverless workgroup
    redshift_db_user: str | None = None  # the database user IAM authentication signs in as
    redshift_region: str | None = None  # the cluster's or workgroup's region (IAM)
    redshift_profile: str | None = None  # AWS profile for IAM credentials (default chain when None)
    learning_cadence: str = "monthly"  # monthly: close each month on the 1st; daily: refresh the current month daily
    lake_catalog: str = "duckdb"  # duckdb (local views) | glue (production) | none
    catalog_databases: tuple[tuple[str, str], ...] = ()  # (group, catalogue database) where not `<group>_lake`
    sources: tuple[tuple[str, str], ...] = ()  # (group, where its raw files are: s3://bucket/prefix or a folder)
    aws_region: str | None = None
    aws_profile: str | None = None
    aws_endpoint_url: str | None = None  # Glue and Athena (e.g. a local emulator); default: AWS's own
    athena_workgroup: str | None = None  # set: export checks also count rows per partition through Athena
    athena_output: str | None = None  # s3:// folder for Athena's results, where the workgroup sets none
    sensor_settle_seconds: float = 0.0  # sensors request a file only once it has not changed for this long

    @property
    def is_local(self) -> bool:
        return self.env == "local"


def _degrees(raw: str) -> tuple[str, ...]:
    degrees = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not degrees:
        raise SettingsError("CAPSTONE_DEGREES is empty: list at least one degree, e.g. 'data_science'")
    for degree in degrees:
        if not IDENTIFIER.match(degree):
            raise SettingsError(
                f"CAPSTONE_DEGREES: degree {degree!r} is not a valid name "
                "(lower-case letters, digits and '_', starting with a letter or '_', at most 63 characters)"
            )
    if len(set(degrees)) != len(degrees):
        raise SettingsError(f"CAPSTONE_DEGREES lists a degree twice: {','.join(degrees)}")
    return degrees


def _number(environ: Mapping[str, str], name: str, default: str, kind=int):
    raw = environ.get(name, default)
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {raw!r}")
    return value


def _seconds(environ: Mapping[str, str], name: str, default: str) -> float:
    raw = environ.get(name, default).strip() or default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 <= value < float("inf"):
        raise SettingsError(f"{name} must be 0 or more seconds, got {raw!r}")
    return value


def _month(environ: Mapping[str, str], name: str, default: str) -> str:
    raw = environ.get(name, default).strip()
    if raw and not MONTH_START.match(raw):
        raise SettingsError(f"{name} must be the first day of a month as YYYY-MM-01, got {raw!r}")
    return raw


def default_duckdb_memory_limit(cores: int | None = None) -> str:
    """192 MB per DuckDB thread (one per core), at least 384 MB: what DuckDB needs is per thread, not per row,
    so peak memory is set by the machine, not by the data (2 cores: 384MB; 8 cores: 1536MB)."""
    return f"{max(2, cores or os.cpu_count() or 2) * 192}MB"


def _memory_size(environ: Mapping[str, str], name: str, default: str) -> str | None:
    raw = environ.get(name, default).strip()
    if raw and not MEMORY_SIZE.match(raw):
        raise SettingsError(f"{name} must be a size such as '512MB' or '2GB', got {raw!r}")
    return raw or None


LEARNING_CADENCES = ("monthly", "daily")


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = environ.get(name, choices[0]).strip().lower() or choices[0]
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


LAKE_GROUPS = ("learning", "flights", "sparkify", "stedi")
AUDIT_SCHEMA = "capstone"  # the warehouse schema of the load audit (lib/audit.py)
LAKE_CATALOGS = {"local": ("duckdb", "none"), "prod": ("glue", "none")}
SOURCE_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$")


def _lake_settings(environ: Mapping[str, str], env: str) -> dict:
    """The lake catalogue, each group's source location, and the AWS session the catalogue uses."""
    catalog = environ.get("CAPSTONE_LAKE_CATALOG", LAKE_CATALOGS[env][0]).strip().lower()
    if catalog not in LAKE_CATALOGS[env]:
        raise SettingsError(f"CAPSTONE_LAKE_CATALOG must be one of {', '.join(LAKE_CATALOGS[env])} when "
                            f"CAPSTONE_ENV={env}, got {catalog!r}")
    databases, sources = [], []
    for group in LAKE_GROUPS:
        name = f"CAPSTONE_CATALOG_DATABASE_{group.upper()}"
        if database := environ.get(name, "").strip():
            if not IDENTIFIER.match(database):
                raise SettingsError(f"{name} must be a lower-case name of letters, digits and '_', got {database!r}")
            databases.append((group, database))
        name = f"CAPSTONE_SOURCE_{group.upper()}"
        if source := environ.get(name, "").strip():
            if source.startswith("s3://") and not SOURCE_URI.match(source):
                raise SettingsError(f"{name} must be s3://<bucket>[/<prefix>] or a local folder, got {source!r}")
            if not source.startswith("s3://") and env == "prod":
                raise SettingsError(f"{name} must be s3://<bucket>[/<prefix>] when CAPSTONE_ENV=prod, got {source!r}")
            sources.append((group, source.rstrip("/")))
    athena_workgroup = environ.get("CAPSTONE_ATHENA_WORKGROUP", "").strip() or None
    athena_output = environ.get("CAPSTONE_ATHENA_OUTPUT", "").strip() or None
    if athena_workgroup and catalog != "glue":
        raise SettingsError("CAPSTONE_ATHENA_WORKGROUP needs the Glue catalogue (CAPSTONE_ENV=prod, "
                            f"CAPSTONE_LAKE_CATALOG=glue); the catalogue is {catalog!r}")
    if athena_output and not SOURCE_URI.match(athena_output):
        raise SettingsError(f"CAPSTONE_ATHENA_OUTPUT must be s3://<bucket>[/<prefix>], got {athena_output!r}")
    return {"lake_catalog": catalog, "catalog_databases": tuple(databases), "sources": tuple(sources),
            "athena_workgroup": athena_workgroup, "athena_output": athena_output,
            "aws_region": environ.get("CAPSTONE_AWS_REGION") or None,
            "aws_profile": environ.get("CAPSTONE_AWS_PROFILE") or None,
            "aws_endpoint_url": environ.get("CAPSTONE_AWS_ENDPOINT_URL") or environ.get("CAPSTONE_S3_ENDPOINT_URL") or None}


def _flag(environ: Mapping[str, str], name: str) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw not in ("", "0", "1", "true", "false", "yes", "no"):
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    return raw in ("1", "true", "yes")


def _aws_name(environ: Mapping[str, str], name: str) -> str | None:
    raw = environ.get(name, "").strip()
    if raw and not AWS_NAME.match(raw):
        raise SettingsError(f"{name} must be letters, digits, '-', '_' or '.', got {raw!r}")
    return raw or None


def _redshift_settings(environ: Mapping[str, str], env: str) -> dict:
    """The Redshift warehouse: where it is, how the platform signs in (password, or IAM on a provisioned cluster or
    a Serverless workgroup), its timeouts, and the role COPY and UNLOAD run as. The password itself is not read
    here: it reaches the resource through `dagster.EnvVar`."""
    iam = _flag(environ, "CAPSTONE_REDSHIFT_IAM")
    cluster, workgroup = _aws_name(environ, "CAPSTONE_REDSHIFT_CLUSTER_IDENTIFIER"), _aws_name(environ, "CAPSTONE_REDSHIFT_WORKGROUP")
    if env == "prod":
        if not iam:
            _require(environ, REDSHIFT_VARIABLES, "when CAPSTONE_ENV=prod (the Redshift warehouse, password "
                                                  "authentication; or set CAPSTONE_REDSHIFT_IAM=true)")
        else:
            _require(environ, REDSHIFT_IAM_VARIABLES, "when CAPSTONE_ENV=prod with CAPSTONE_REDSHIFT_IAM=true")
            if bool(cluster) == bool(workgroup):
                raise SettingsError("CAPSTONE_REDSHIFT_IAM=true needs exactly one of CAPSTONE_REDSHIFT_CLUSTER_IDENTIFIER "
                                    "(provisioned) and CAPSTONE_REDSHIFT_WORKGROUP (Serverless)")
            if not environ.get("CAPSTONE_REDSHIFT_HOST") and not environ.get("CAPSTONE_REDSHIFT_REGION"):
                raise SettingsError("CAPSTONE_REDSHIFT_REGION must be set with CAPSTONE_REDSHIFT_IAM=true when "
                                    "CAPSTONE_REDSHIFT_HOST is not")
    iam_role = environ.get("CAPSTONE_REDSHIFT_IAM_ROLE", "").strip() or None
    if iam_role and iam_role.lower() == "default":
        iam_role = "default"
    elif iam_role and not IAM_ROLE_ARN.match(iam_role):
        raise SettingsError("CAPSTONE_REDSHIFT_IAM_ROLE must be 'default' or an IAM role ARN "
                            "(arn:aws:iam::<account>:role/<name>; also arn:aws-cn: and arn:aws-us-gov:)")
    statement_timeout = environ.get("CAPSTONE_REDSHIFT_STATEMENT_TIMEOUT", "").strip()
    return {
        "redshift_iam_role": iam_role,
        "redshift_connect_timeout": _number(environ, "CAPSTONE_REDSHIFT_CONNECT_TIMEOUT", "30"),
        "redshift_statement_timeout": _number(environ, "CAPSTONE_REDSHIFT_STATEMENT_TIMEOUT", statement_timeout)
        if statement_timeout else None,
        "redshift_iam": iam,
        "redshift_cluster_identifier": cluster,
        "redshift_workgroup": workgroup,
        "redshift_db_user": environ.get("CAPSTONE_REDSHIFT_DB_USER", "").strip() or None,
        "redshift_region": _aws_name(environ, "CAPSTONE_REDSHIFT_REGION"),
        "redshift_profile": _aws_name(environ, "CAPSTONE_REDSHIFT_PROFILE"),
    }


def _require(environ: Mapping[str, str], names: tuple[str, ...], why: str) -> None:
    missing = [name for name in names if not environ.get(name)]
    if missing:
        raise SettingsError(f"{', '.join(missing)} must be set {why}")


def _duckdb_path(environ: Mapping[str, str]) -> Path:
    """DuckDB names a database after its file: `learning.duckdb` makes `learning.<table>` ambiguous, nothing binds."""
    path, schemas = Path(environ.get("CAPSTONE_DUCKDB_PATH", "data/warehouse.duckdb")), (*LAKE_GROUPS, AUDIT_SCHEMA)
    if path.stem.lower() in schemas:
        raise SettingsError(f"CAPSTONE_DUCKDB_PATH may not be named like a warehouse schema ({', '.join(schemas)}), "
                            f"got {str(path)!r}: name the file e.g. 'warehouse.duckdb'")
    return path


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    env = environ.get("CAPSTONE_ENV", "local")
    if env not in ("local", "prod"):
        raise SettingsError(f"CAPSTONE_ENV must be 'local' or 'prod', got {env!r}")
    if env == "prod":
        _require(environ, ("CAPSTONE_S3_BUCKET",), "when CAPSTONE_ENV=prod (the lake bucket)")
    redshift = _redshift_settings(environ, env)
    return Settings(
        env=env,
        lake_dir=Path(environ.get("CAPSTONE_LAKE_DIR", "data/lake")),
        duckdb_path=_duckdb_path(environ),
        degrees=_degrees(environ.get("CAPSTONE_DEGREES", ",".join(DEFAULT_DEGREES))),
        s3_bucket=environ.get("CAPSTONE_S3_BUCKET") or None,
        s3_prefix=environ.get("CAPSTONE_S3_PREFIX", "").strip("/"),
        s3_endpoint_url=environ.get("CAPSTONE_S3_ENDPOINT_URL") or None,
        redshift_host=environ.get("CAPSTONE_REDSHIFT_HOST") or None,
        redshift_port=_number(environ, "CAPSTONE_REDSHIFT_PORT", "5439"),
        redshift_database=environ.get("CAPSTONE_REDSHIFT_DATABASE") or None,
        redshift_user=environ.get("CAPSTONE_REDSHIFT_USER") or None,
        **redshift,
        duckdb_lock_timeout_seconds=_number(environ, "CAPSTONE_DUCKDB_LOCK_TIMEOUT", "600", float),
        learning_start=_month(environ, "CAPSTONE_LEARNING_START", "2019-01-01"),
        learning_end=_month(environ, "CAPSTONE_LEARNING_END", "2020-01-01") or None,
        sparkify_start=_month(environ, "CAPSTONE_SPARKIFY_START", "2018-11-01"),
        sparkify_end=_month(environ, "CAPSTONE_SPARKIFY_END", "2018-12-01") or None,
        duckdb_memory_limit=_memory_size(environ, "CAPSTONE_DUCKDB_MEMORY_LIMIT", default_duckdb_memory_limit()),
        learning_cadence=_choice(environ, "CAPSTONE_LEARNING_CADENCE", LEARNING_CADENCES),
        sensor_settle_seconds=_seconds(environ, "CAPSTONE_SENSOR_SETTLE_SECONDS", "0"),
        **_lake_settings(environ, env),
    )


def redshift_variables_present(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a live Redshift is configured: password authentication's variables, or IAM's."""
    environ = os.environ if environ is None else environ
    iam = environ.get("CAPSTONE_REDSHIFT_IAM", "").strip().lower() in ("1", "true", "yes")
    return all(environ.get(name) for name in (REDSHIFT_IAM_VARIABLES if iam else REDSHIFT_VARIABLES))


def dagster_home(environ: Mapping[str, str] | None = None) -> Path:
    """The Dagster instance folder the CLI records runs in: $DAGSTER_HOME, else `.dagster_home`."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("DAGSTER_HOME") or ".dagster_home").resolve()
