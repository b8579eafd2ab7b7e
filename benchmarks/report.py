"""The table `make bench` prints from a results.json document."""

from __future__ import annotations


def table(results: dict) -> str:
    base, big = (f"{results['scales'][k]:g}" for k in ("base", "big"))
    lines = [f"{'measure':<44} {'seconds':>9} {'rows':>11} {'rows/s':>11} {'x limit':>8} {'peak MB':>8}"]

    def row(name, seconds, rows, reference=None, peak=None):
        ratio = f"{seconds / reference:8.2f}" if reference else f"{'':>8}"
        lines.append(f"{name:<44} {seconds:9.2f} {rows:11,d} {rows / seconds:11,.0f} {ratio} {peak or 0:8.0f}")

    for scale in (base, big):
        entry = results["per_scale"][scale]
        row(f"limit: plain read_csv per table, scale {scale}", entry["limit"]["seconds"], entry["limit"]["rows"])
        row(f"limit + models from their SELECTs, scale {scale}", entry["limit"]["same_sql_seconds"], entry["limit"]["rows"])
        same = entry["limit"]["same_memory_limit"]
        row(f"the same at memory_limit {same['memory_limit']}, scale {scale}", same["same_sql_seconds"], same["rows"])
        row(f"pipeline backfill ({entry['pipeline']['runs']} runs), scale {scale}", entry["pipeline"]["seconds"],
            entry["pipeline"]["rows"], entry["limit"]["seconds"], entry["pipeline"]["peak_rss_mb"])
    recorded = results["persistent_instance"]
    row(f"the same, runs in a persistent instance, scale {base}", recorded["seconds"], results["pipeline_rows_scale_1"],
        results["per_scale"][base]["limit"]["seconds"], recorded["peak_rss_mb"])
    per_partition = results["run_per_partition"]
    row(f"one run per partition ({per_partition['runs']} runs), scale {base}", per_partition["seconds"],
        per_partition["rows"], results["per_scale"][base]["limit"]["seconds"], per_partition["peak_rss_mb"])
    staged = results["staged_tables_alone"]
    row(f"the staged tables alone, scale {base}", staged["seconds"], staged["rows"],
        results["per_scale"][base]["limit"]["seconds"], staged["peak_rss_mb"])
    row(f"their Dagster floor (same runs, no work), scale {base}", results["staged_floor"]["seconds"], 0,
        results["per_scale"][base]["limit"]["seconds"], results["staged_floor"]["peak_rss_mb"])
    for name in ("few", "many"):
        entry = results["partition_growth"][name]
        row(f"persistent instance, {entry['partitions']} partitions ({name})", entry["seconds"], entry["rows"],
            None, entry["peak_rss_mb"])
    postgres = results.get("postgres_instance") or {"skipped": "not measured"}
    if "seconds" in postgres:
        row(f"the same, runs in a PostgreSQL instance, scale {base}", postgres["seconds"], results["pipeline_rows_scale_1"],
            results["per_scale"][base]["limit"]["seconds"], postgres["peak_rss_mb"])
    else:
        lines.append(f"{'the same, runs in a PostgreSQL instance':<44} skipped: {postgres['skipped']}")
    if results["memory_scale"]:
        largest = results["memory_scale"]
        row(f"pipeline backfill, scale {largest['scale']:g}", largest["pipeline"]["seconds"], largest["pipeline"]["rows"],
            None, largest["pipeline"]["peak_rss_mb"])
    floor = results["dagster_floor"]
    row(f"Dagster floor (same runs, no work), scale {base}", floor["seconds"], 0,
        results["per_scale"][base]["limit"]["seconds"], floor["peak_rss_mb"])
    for name, entry in results["row_by_row"].items():
        if isinstance(entry, dict):
            row(f"row by row ({name}), subset", entry["seconds"], entry["rows"])
    row(f"pandas read_csv + insert per file, scale {base}", results["pandas"]["seconds"], results["pandas"]["rows"],
        results["per_scale"][base]["limit"]["seconds"])
    if results.get("pandas_scale_10"):
        staged, frames = results["staged_tables_alone_scale_10"], results["pandas_scale_10"]
        row(f"the staged tables alone, scale {big}", staged["seconds"], staged["rows"],
            results["per_scale"][big]["limit"]["seconds"], staged["peak_rss_mb"])
        row(f"their Dagster floor, scale {big}", results["staged_floor_scale_10"]["seconds"], 0,
            results["per_scale"][big]["limit"]["seconds"], results["staged_floor_scale_10"]["peak_rss_mb"])
        row(f"pandas read_csv + insert per file, scale {big}", frames["seconds"], frames["rows"],
            results["per_scale"][big]["limit"]["seconds"])
    flights_ = results["flights"]
    row("flights: plain read_csv of the upload", flights_["limit"]["seconds"], flights_["limit"]["rows"])
    row(f"flights: its load statement alone, at {flights_['same_sql']['memory_limit']}", flights_["same_sql"]["seconds"],
        flights_["same_sql"]["rows"], flights_["limit"]["seconds"])
    row("flights: the same at DuckDB's own memory limit", flights_["same_sql_unbounded"]["seconds"],
        flights_["same_sql"]["rows"], flights_["limit"]["seconds"])
    row("flights: reload through the pipeline", flights_["reload"]["seconds"], flights_["reload"]["rows"],
        flights_["limit"]["seconds"], flights_["reload"]["peak_rss_mb"])
    row("flights: its Dagster floor (same run, no work)", flights_["floor"]["seconds"], 0, flights_["limit"]["seconds"],
        flights_["floor"]["peak_rss_mb"])
    buckets = results["per_scale"][base]["pipeline"]["buckets"]
    seconds = results["per_scale"][base]["pipeline"]["seconds"]
    split = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(buckets.items(), key=lambda kv: -kv[1]))
    lines.append(f"\npipeline at scale {base}: {seconds:.1f}s = {split}, the rest ({seconds - sum(buckets.values()):.1f}s) "
                 "orchestration")
    lines.append(f"flights reload path: {flights_['reload']['path']}")
    if results.get("mode") == "quick":
        lines.append("quick mode: every task ran in one shared child process, so its peak MB is that process's "
                     "largest so far, and the figures prove the code paths, not the speed")
    lines.append(f"machine: {results['cores']} cores, {results['memory_gb']} GB, load average "
                 f"{results['machine']['at_start']['load_average']} -> {results['machine']['at_end']['load_average']}\n")
    for key, goal in results["goals"].items():
        lines.append(f"{'MET ' if goal['met'] else 'MISS'} {key} = {goal['value']:.2f} (goal {goal['target']}: {goal['meaning']})")
    lines.append(f"pipeline_over_limit = {results['pipeline_over_limit']:.2f} (scale {base}; the goal of the "
                 "previous round, reported)")
    lines.append(f"pipeline_over_limit_scale_10 = {results['pipeline_over_limit_scale_10']:.2f} (scale {big}, over the "
                 "plain load alone, which builds no model; reported)")
    lines.append(f"pipeline_over_same_sql_cpu_scale_10 = {results['pipeline_over_same_sql_cpu_scale_10']:.2f} (the same "
                 "in CPU seconds, which other processes on the host disturb less; reported)")
    lines.append(f"pipeline_over_same_sql_unbounded_scale_10 = {results['pipeline_over_same_sql_unbounded_scale_10']:.2f}, "
                 f"pipeline_work_over_same_sql_unbounded = {results['pipeline_work_over_same_sql_unbounded']:.2f} (the same SQL "
                 "at DuckDB's own memory limit, 80% of RAM, as the goals were measured until 2026-12-03 09:16; reported)")
    lines.append(f"peak_rss_growth_10x = {results['peak_rss_growth_10x']:.2f} (scale {base} -> {big}, while DuckDB fills its memory_limit)")
    lines.append(f"pipeline_cold_seconds_scale_1 = {results['pipeline_cold_seconds_scale_1']:.2f} (the first run ever: "
                 "no stored SQL translations)")
    if results.get("speedup_vs_pandas_load_scale_10"):
        lines.append(f"speedup_vs_pandas_load_scale_10 = {results['speedup_vs_pandas_load_scale_10']:.2f} (the staged "
                     f"loads against pandas at scale {big}, reported)")
    at_big = results["speedup_vs_pandas_load_work_scale_10"]
    lines.append(f"speedup_vs_pandas_load_work = {results['speedup_vs_pandas_load_work']:.2f}"
                 + (f", {at_big:.2f} at scale {big}" if at_big else "") + " (pandas over the staged tables less their "
                 f"Dagster floor, {results['staged_floor_over_pandas']:.2f}x pandas' time; reported)")
    lines.append(f"speedup_vs_pandas_load_statements = {results['speedup_vs_pandas_load_statements']:.2f} (over "
                 "the loads' own statements: read the files, insert), speedup_vs_pandas_load_bound = "
                 f"{results['speedup_vs_pandas_load_bound']:.2f} (over those statements plus the floor: the most "
                 "the staged tables can reach, whatever their checks and inspection cost; reported)")
    reload = flights_["reload"]
    lines.append(f"flights_reload_work_over_same_sql = {results['flights_reload_work_over_same_sql']:.2f} (less its floor), "
                 f"flights_reload_bound = {results['flights_reload_bound']:.2f} (the statement plus the floor, the "
                 f"upload's inspection {reload['buckets'].get('source_file_checks', 0.0):.2f}s and the checks "
                 f"{reload['checks_seconds']:.2f}s: the least the reload can take against the goal; reported)")
    lines.append(f"dagster_floor_over_limit = {results['dagster_floor_over_limit']:.2f}, pipeline_work_over_limit = "
                 f"{results['pipeline_work_over_limit']:.2f} (the pipeline less the floor, over the plain load; reported)")
    return "\n".join(lines)
