"""Faults that need a second process: a load killed mid-transaction, two writers at once, a memory cap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


from capstone_assets.learning.generator import FACT_COLUMNS
from capstone_assets_tests.helpers import query
from capstone_assets_tests.reliability.lakes import (
    FEBRUARY, JANUARY, checksum_sql, csv_text, fact_key, load, video_rows, write_video_log,
)

REPO = Path(__file__).resolve().parents[2]
PATIENCE = 300  # seconds a worker may take to reach a point; a bound on a hang, not a timing assertion (the
# 16,000,000-row load takes about 110 s on 2 busy cores since CSV values are checked for an exact fit)
JANUARY_ROWS = "learning.stg_video_log WHERE month = DATE '2019-01-01'"


def worker(settings, month, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "capstone_assets_tests.reliability.load_worker", str(settings.lake_dir),
               str(settings.duckdb_path), month.isoformat(), *options]
    # one malloc arena: otherwise glibc reserves up to 64 MB of address space per thread, at random,
    # which makes an RLIMIT_AS cap flaky
    env = {**os.environ, "MALLOC_ARENA_MAX": "1"}
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, *processes: subprocess.Popen) -> None:
    deadline = time.monotonic() + PATIENCE
    while not path.exists():
        for process in processes:
            assert process.poll() is None, f"worker exited early: {process.communicate()}"
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=PATIENCE)
    assert process.returncode == 0, err[-3000:]
    return out


def write_big_video_log(lake_dir: Path, rows: int, month=JANUARY) -> Path:
    """`rows` data rows, written as a repeated block (ids repeat; the load does not care)."""
    block = csv_text(FACT_COLUMNS["video_log"], video_rows(10_000, month)).split("\n", 1)[1]
    path = lake_dir / fact_key("video_log", month)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(FACT_COLUMNS["video_log"]) + "\n")
        for _ in range(rows // 10_000):
            handle.write(block)
    return path


def test_crash_in_the_middle_of_a_partition_load(settings, lake_dir, tmp_path):
    write_video_log(lake_dir, video_rows(20))
    load(settings, run_id="before-crash")
    before = query(settings, checksum_sql("learning.stg_video_log", "month = DATE '2019-01-01'"))
    write_big_video_log(lake_dir, 50_000)
    marker = tmp_path / "inserted-not-committed"
    process = worker(settings, JANUARY, "--hold", str(marker), "--run-id", "killed")
    wait_for(marker, process)  # the partition's old rows are deleted and the new ones inserted, uncommitted
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=PATIENCE)
    assert query(settings, checksum_sql("learning.stg_video_log", "month = DATE '2019-01-01'")) == before
    assert load(settings, run_id="re-run").rows == 50_000
    assert query(settings, f"SELECT COUNT(*) FROM {JANUARY_ROWS}") == [(50_000,)]


def test_crash_after_a_commit_before_the_checkpoint_keeps_the_load(settings, lake_dir, tmp_path):
    """A small load's commit is in DuckDB's log until the connection closes (duckdb_warehouse.CHECKPOINT_THRESHOLD);
    a crash before that loses nothing committed."""
    write_video_log(lake_dir, video_rows(20))
    marker = tmp_path / "committed-not-checkpointed"
    process = worker(settings, JANUARY, "--hold-committed", str(marker), "--run-id", "killed-after-commit")
    wait_for(marker, process)
    log = Path(f"{settings.duckdb_path}.wal")
    assert log.exists() and log.stat().st_size > 0  # the commit is in the log, not yet in the file
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=PATIENCE)
    assert query(settings, f"SELECT COUNT(*) FROM {JANUARY_ROWS}") == [(20,)]
    assert query(settings, "SELECT run_id, rows_loaded FROM capstone.load_audit") == [("killed-after-commit", 20)]


def test_two_runs_writing_the_warehouse_at_once(settings, lake_dir, tmp_path):
    january, february = video_rows(3_000), video_rows(2_000, FEBRUARY, first_id=10_000)
    write_video_log(lake_dir, january)
    write_video_log(lake_dir, february, FEBRUARY)
    holding, released, lock_seen = tmp_path / "holding", tmp_path / "released", tmp_path / "lock-seen"
    first = worker(settings, JANUARY, "--hold", str(holding), "--release", str(released), "--run-id", "first")
    wait_for(holding, first)  # the first run holds the write lock mid-transaction
    second = worker(settings, FEBRUARY, "--lock-seen", str(lock_seen), "--run-id", "second")
    wait_for(lock_seen, first, second)  # the second met the lock and is waiting, not failing
    released.touch()
    assert "loaded 3000 rows" in finish(first)
    assert "loaded 2000 rows" in finish(second)
    assert query(settings, "SELECT month, COUNT(*), COUNT(DISTINCT view_id) FROM learning.stg_video_log "
                           "GROUP BY month ORDER BY month") == [(JANUARY, 3000, 3000), (FEBRUARY, 2000, 2000)]
    assert query(settings, "SELECT run_id, status FROM capstone.load_audit ORDER BY run_id") == [
        ("first", "loaded"), ("second", "loaded")]


def test_file_larger_than_memory_allows(settings, lake_dir):
    """Address space capped at start-up size + 480 MB, DuckDB memory_limit 96 MB, a ~510 MB file: the load
    streams within the limit and the partition is replaced whole."""
    write_video_log(lake_dir, video_rows(20))
    write_video_log(lake_dir, video_rows(5, FEBRUARY, first_id=100), FEBRUARY)
    load(settings, run_id="before")
    february = query(settings, checksum_sql("learning.stg_video_log", "month = DATE '2019-02-01'"))
    path = write_big_video_log(lake_dir, 16_000_000)
    headroom = 480 * 1024 * 1024
    assert path.stat().st_size > headroom
    process = worker(settings, JANUARY, "--headroom", str(headroom), "--memory-limit", "96MB", "--run-id", "capped")
    assert "loaded 16000000 rows" in finish(process)
    assert query(settings, f"SELECT COUNT(*) FROM {JANUARY_ROWS}") == [(16_000_000,)]
    assert query(settings, checksum_sql("learning.stg_video_log", "month = DATE '2019-02-01'")) == february


def test_file_larger_than_memory_allows_fails_cleanly_when_it_cannot_fit(settings, lake_dir):
    """Too little room even to stream (start-up + 128 MB, no DuckDB limit): a clean failure, nothing half-written."""
    write_video_log(lake_dir, video_rows(20))
    load(settings, run_id="before")
    before = query(settings, checksum_sql("learning.stg_video_log"))
    write_big_video_log(lake_dir, 5_000_000)
    process = worker(settings, JANUARY, "--headroom", str(128 * 1024 * 1024), "--run-id", "capped")
    _, err = process.communicate(timeout=PATIENCE)
    assert process.returncode != 0
    assert "LoadError" in err and "nothing was changed" in err and "Out of Memory" in err, err[-2000:]
    assert query(settings, checksum_sql("learning.stg_video_log")) == before
    assert query(settings, "SELECT status FROM capstone.load_audit WHERE run_id = 'capped'") == [("failed",)]
