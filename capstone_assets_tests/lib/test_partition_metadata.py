"""Per-partition metadata of a ranged run (lib/results.add_partition_metadata): every partition's materialization
carries its own entry, and the run's range is listed once, not once per partition (Dagster's check of each key
listed the whole range again: a 480-partition run spent a third of its time there)."""

from __future__ import annotations

import dagster as dg

from capstone_assets.lib.results import add_partition_metadata

MONTHS = [f"2019-{m:02d}-01" for m in range(1, 13)]
GRID = dg.MultiPartitionsDefinition({"degree": dg.StaticPartitionsDefinition(["a", "b", "c", "d"]),
                                     "month": dg.StaticPartitionsDefinition(MONTHS)})


@dg.asset(partitions_def=GRID, backfill_policy=dg.BackfillPolicy.single_run())
def grid(context) -> dg.MaterializeResult:
    add_partition_metadata(context, [{"dagster/row_count": index} for index, _ in enumerate(context.partition_keys)])
    return dg.MaterializeResult()


def test_each_partition_gets_its_entry_and_the_range_is_listed_once(monkeypatch):
    listings = []
    list_range = dg.MultiPartitionsDefinition.get_partition_keys_in_range

    def counted(self, *args, **kwargs):
        listings.append(1)
        return list_range(self, *args, **kwargs)

    monkeypatch.setattr(dg.MultiPartitionsDefinition, "get_partition_keys_in_range", counted)
    instance = dg.DagsterInstance.ephemeral()
    keys = GRID.get_partition_keys()
    result = dg.materialize([grid], instance=instance, tags={"dagster/asset_partition_range_start": keys[0],
                                                             "dagster/asset_partition_range_end": keys[-1]})
    assert result.success
    context_keys = [m.partition for m in result.asset_materializations_for_node("grid")]
    assert len(context_keys) == len(keys) == 48
    counts = {m.partition: m.metadata["dagster/row_count"].value for m in result.asset_materializations_for_node("grid")}
    assert sorted(counts.values()) == list(range(48))
    assert len(listings) < 10, len(listings)  # Dagster's own few, not one per partition (48 before)
    assert "get_partition_keys_in_range" not in vars(GRID)  # the definition's own method again after the block
