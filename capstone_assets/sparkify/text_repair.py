"""Repair the double-encoded (mojibake) artist and song names of the event logs.

The simulator wrote non-ASCII names as UTF-8 bytes read as Latin-1, twice (`Björk` arrives as
`BjÃ\\x83Â¶rk`). Neither Redshift nor DuckDB SQL can re-decode text as Latin-1, so the repair is
computed here, in Python, and stored as a small per-month table `sparkify.text_repairs`
(raw text -> repaired text) that `songplays.sql` joins on both engines. Staging keeps the raw rows.

A value is repaired only when both Latin-1 -> UTF-8 round trips succeed and change it; ASCII and
correctly encoded text (which does not survive the round trip) is left untouched.
"""


from collections import Counter

import dagster as dg

from capstone_assets.lib import statements as st
from capstone_assets.lib.checks import expectation, unique
from capstone_assets.lib.partitions import run_partitions
from capstone_assets.lib.results import evaluate_checks, run_table_metadata, scope_filter
from capstone_assets.lib.sql import ident, qualified
from capstone_assets.lib.staging import WAREHOUSE_POOL
from capstone_assets.resources.warehouse import Warehouse
from capstone_assets.sparkify.specs import GROUP

TABLE = "text_repairs"
TEXT_COLUMNS = ("artist", "song")


def repair_double_encoding(text: str) -> str | None:
    """The repaired text if `text` is double-encoded UTF-8, else None."""
    if text.isascii():
        return None
    repaired = text
    for _ in range(2):
        try:
            repaired = repaired.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return None
    return repaired if repaired != text else None


def month_values(warehouse: Warehouse, month) -> Counter:
    """How many times each artist or song text occurs in one month of staged events."""
    counts: Counter = Counter()
    for column in TEXT_COLUMNS:
        rows = warehouse.query(
            f"SELECT {ident(column)}, COUNT(*) FROM {qualified(GROUP, 'staging_events')} "
            f"WHERE month = %s AND {ident(column)} IS NOT NULL GROUP BY {ident(column)}", [month])
        counts.update({text: int(n) for text, n in rows})
    return counts


def repair_month(warehouse: Warehouse, month) -> tuple[int, int]:
    """Replace the month's repair rows; return (distinct values repaired, occurrences touched)."""
    repairs = [(raw, fixed, n) for raw, n in sorted(month_values(warehouse, month).items())
               if (fixed := repair_double_encoding(raw)) is not None]
    with warehouse.transaction() as tx:
        tx.execute(st.delete_where(qualified(GROUP, TABLE), "month = %s"), [month])
        tx.insert_rows(GROUP, TABLE, ("raw_text", "repaired_text", "occurrences", "month"),
                       [(raw, fixed, n, month) for raw, fixed, n in repairs])
    return len(repairs), sum(n for _, _, n in repairs)


CHECKS = [
    unique(("month", "raw_text")),
    expectation("no_repair_equal_to_its_raw_text",
                f"SELECT COUNT(*) FROM {GROUP}.{TABLE} WHERE repaired_text = raw_text", 0, blocking=True),
]


def build_text_repairs_asset(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    key = dg.AssetKey([GROUP, TABLE])

    @dg.asset(
        key=key, group_name=GROUP, partitions_def=partitions, backfill_policy=dg.BackfillPolicy.single_run(),
        deps=[dg.AssetKey([GROUP, "staging_events"])], check_specs=[check.spec(key) for check in CHECKS],
        kinds={"sql", "python"}, pool=WAREHOUSE_POOL,
        description="Double-encoded artist/song names of the logs and their repair (latin-1 -> utf-8, twice), per month.",
        metadata={"dagster/table_name": f"{GROUP}.{TABLE}"},
    )
    def text_repairs(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.session():
            warehouse.ensure_table(GROUP, TABLE)
            partitions_ = run_partitions(context, partitions)
            values = occurrences = 0
            for partition in partitions_:
                repaired, touched = repair_month(warehouse, partition["month"])
                values, occurrences = values + repaired, occurrences + touched
                context.log.info(f"{GROUP}.{TABLE} month={partition['month']}: {repaired} values repaired, {touched} occurrences")
            scope = scope_filter(partitions_)
            metadata = run_table_metadata(context, warehouse, GROUP, TABLE, partitions_, scope)
            metadata["values_repaired"] = dg.MetadataValue.int(values)
            metadata["occurrences_repaired"] = dg.MetadataValue.int(occurrences)
            return dg.MaterializeResult(metadata=metadata, check_results=evaluate_checks(warehouse, GROUP, TABLE, CHECKS, scope))

    return text_repairs

