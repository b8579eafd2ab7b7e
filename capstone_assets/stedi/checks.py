"""Checks that enforce research consent, guard the zone joins against fan-out and report shared devices.

Consent is re-derived here from `customer_landing` alone, independently of the zone SQL: a customer
(email) consents when every record of theirs with the latest `lastupdatedate` has a research-consent date.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from capstone_assets.lib.checks import Check, expectation, markdown_table
from capstone_assets.lib.sql import ident
from capstone_assets.resources.warehouse import Params, Warehouse

LISTED_ROWS = 200
PERSONAL_COLUMNS = ("customername", "email", "phone", "birthday", "user")

CONSENTING_EMAILS = (
    "SELECT l.email FROM stedi.customer_landing AS l "
    "JOIN (SELECT email, MAX(lastupdatedate) AS latest FROM stedi.customer_landing GROUP BY email) AS m "
    "ON m.email = l.email AND m.latest = l.lastupdatedate "
    "GROUP BY l.email HAVING COUNT(*) = COUNT(l.sharewithresearchasofdate)"
)
SHARED_SERIALS = (
    "SELECT serialnumber, COUNT(DISTINCT email) AS customers FROM stedi.customer_landing "
    "GROUP BY serialnumber HAVING COUNT(DISTINCT email) > 1"
)


@dataclass(frozen=True)
class ListingCheck(Check):
    """A check whose metadata lists every offending row (up to LISTED_ROWS), not only a sample."""

    def evaluate(self, warehouse: Warehouse, table: str, scope: str = "1 = 1", params: Params = ()) -> dg.AssetCheckResult:
        result = super().evaluate(warehouse, table, scope, params)
        bad_rows, scope_params = self.sql(table, scope, params)
        columns, rows = warehouse.query_columns(f"{bad_rows} LIMIT {LISTED_ROWS}", scope_params)
        return dg.AssetCheckResult(check_name=result.check_name, passed=result.passed, severity=result.severity,
                                   metadata={**result.metadata, "rows": dg.MetadataValue.md(markdown_table(columns, rows))})


def consenting_customers(column: str) -> Check:
    return Check(
        f"{column}_is_consenting_customer",
        f"SELECT t.* FROM {{table}} AS t LEFT JOIN ({CONSENTING_EMAILS}) AS ok ON ok.email = t.{ident(column)} "
        "WHERE ok.email IS NULL",
        f"every row's {column} is a customer whose latest customer_landing record has a research-consent date",
    )


def consenting_devices() -> Check:
    return Check(
        "serialnumber_of_consenting_customers_only",
        "SELECT t.* FROM {table} AS t LEFT JOIN ("
        "SELECT l.serialnumber, MIN(CASE WHEN ok.email IS NULL THEN 0 ELSE 1 END) AS all_consent "
        f"FROM stedi.customer_landing AS l LEFT JOIN ({CONSENTING_EMAILS}) AS ok ON ok.email = l.email "
        "GROUP BY l.serialnumber) AS d ON d.serialnumber = t.serialnumber "
        "WHERE d.all_consent IS NULL OR d.all_consent = 0",
        "every row's device (serialnumber) belongs only to customers who consented to research",
    )


def one_customer_per_device() -> Check:
    return Check(
        "serialnumber_belongs_to_one_customer",
        "SELECT t.serialnumber, COUNT(DISTINCT l.email) AS customers FROM {table} AS t "
        "JOIN stedi.customer_landing AS l ON l.serialnumber = t.serialnumber "
        "GROUP BY t.serialnumber HAVING COUNT(DISTINCT l.email) <> 1",
        "no device's readings are attributed to several customers",
    )


def serial_number_shared_by_customers() -> Check:
    return ListingCheck(
        "serial_number_shared_by_customers",
        f"SELECT o.serialnumber, o.customers, COALESCE(r.readings, 0) AS readings_left_out FROM ({SHARED_SERIALS}) AS o "
        "LEFT JOIN (SELECT serialnumber, COUNT(*) AS readings FROM stedi.step_trainer_landing GROUP BY serialnumber) AS r "
        "ON r.serialnumber = o.serialnumber ORDER BY o.customers DESC, o.serialnumber",
        "known defect: several customers share one device serial number; their readings cannot be attributed "
        "and are left out of step_trainer_trusted (listed with counts)",
        blocking=False,
        warn_only=True,
    )


def _rows_match(name: str, table: str, expected_sql: str, description: str) -> Check:
    return expectation(name, f"(SELECT COUNT(*) FROM stedi.{table}) - ({expected_sql})", 0, description, blocking=True)


def accelerometer_trusted_rows() -> Check:
    return _rows_match(
        "rows_equal_landing_readings_of_trusted_customers", "accelerometer_trusted",
        'SELECT COALESCE(SUM(g.readings), 0) FROM (SELECT "user", COUNT(*) AS readings FROM stedi.accelerometer_landing '
        'GROUP BY "user") AS g JOIN stedi.customer_trusted AS c ON c.email = g."user"',
        "no fan-out: one row per landing reading of a trusted customer",
    )


def customers_curated_rows() -> Check:
    return _rows_match(
        "rows_equal_customers_with_readings", "customers_curated",
        'SELECT COUNT(DISTINCT "user") FROM stedi.accelerometer_trusted',
        "no fan-out: one row per consenting customer with accelerometer readings",
    )


def step_trainer_trusted_rows() -> Check:
    return _rows_match(
        "rows_equal_landing_readings_of_curated_devices", "step_trainer_trusted",
        "SELECT COALESCE(SUM(g.readings), 0) FROM (SELECT serialnumber, COUNT(*) AS readings "
        "FROM stedi.step_trainer_landing GROUP BY serialnumber) AS g "
        "JOIN (SELECT DISTINCT serialnumber FROM stedi.customers_curated) AS c ON c.serialnumber = g.serialnumber "
        f"LEFT JOIN ({SHARED_SERIALS}) AS shared ON shared.serialnumber = g.serialnumber WHERE shared.serialnumber IS NULL",
        "no fan-out: one row per landing reading of an unshared device of a curated customer",
    )


def machine_learning_rows() -> Check:
    return _rows_match(
        "rows_equal_step_readings_times_matching_accelerometer_readings", "machine_learning_curated",
        "SELECT COALESCE(SUM(r.readings), 0) FROM stedi.step_trainer_trusted AS s JOIN ("
        'SELECT c.serialnumber, a."timestamp", COUNT(*) AS readings FROM stedi.accelerometer_trusted AS a '
        'JOIN stedi.customers_curated AS c ON c.email = a."user" GROUP BY c.serialnumber, a."timestamp") AS r '
        'ON r.serialnumber = s.serialnumber AND r."timestamp" = s.sensorreadingtime',
        "no fan-out: rows = sum over step readings of the device owner's accelerometer readings at that time",
    )


@dataclass(frozen=True)
class ColumnNamesCheck(Check):
    """A check on the table's column names, read from the catalog by a query of its own: Redshift runs catalog
    queries on the leader node only, so they are never folded into the batched query over user tables."""

    forbidden: tuple[str, ...] = ()

    def evaluate(self, warehouse: Warehouse, table: str, scope: str = "1 = 1", params: Params = ()) -> dg.AssetCheckResult:
        schema, name = (part.strip('"') for part in table.split("."))
        found = [(column,) for column, _ in warehouse.table_schema(schema, name) if column in self.forbidden]
        metadata = {"bad_rows": dg.MetadataValue.int(len(found)), "rule": dg.MetadataValue.text(self.description)}
        if found:
            metadata["sample"] = dg.MetadataValue.md(markdown_table(["column_name"], found))
        return dg.AssetCheckResult(check_name=self.name, passed=not found, metadata=metadata,
                                   severity=dg.AssetCheckSeverity.ERROR)


def no_personal_columns() -> Check:
    return ColumnNamesCheck(
        "no_personal_columns",
        "",  # not a bad-rows query: evaluated from the catalog alone
        "the model's table holds no names, emails, phones or birthdays",
        forbidden=PERSONAL_COLUMNS,
    )
