"""The benchmark's workloads: generated learning lakes at a scale, and one flights upload."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from capstone_assets.flights import generator as flights_generator
from capstone_assets.learning import generator as learning_generator
from capstone_assets.learning.specs import stage_specs
from capstone_assets.resources.duckdb_warehouse import lineage_path, translations_path
from capstone_assets.lib.specs import StageSpec
from capstone_assets.settings import DEFAULT_DEGREES, Settings, load_settings

YEAR = 2019
FLIGHTS_UPLOAD = "flights_benchmark.csv"


@dataclass(frozen=True)
class Workload:
    """One generated learning lake and the settings that make the pipeline cover exactly its files."""

    root: Path
    scale: float
    degrees: tuple[str, ...] = DEFAULT_DEGREES
    months: tuple[int, ...] = tuple(range(1, 13))

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    def warehouse(self, name: str) -> Path:
        return self.root / f"{name}.duckdb"

    def environment(self, warehouse: Path) -> dict[str, str]:
        last = dt.date(YEAR + (max(self.months) == 12), max(self.months) % 12 + 1, 1)
        return {
            "CAPSTONE_ENV": "local",
            "CAPSTONE_LAKE_DIR": str(self.lake),
            "CAPSTONE_DUCKDB_PATH": str(warehouse),
            "CAPSTONE_DEGREES": ",".join(self.degrees),
            "CAPSTONE_LEARNING_START": f"{YEAR}-{min(self.months):02d}-01",
            "CAPSTONE_LEARNING_END": last.isoformat(),
        }

    def settings(self, warehouse: Path) -> Settings:
        return load_settings(self.environment(warehouse))

    def stage_specs(self) -> list[StageSpec]:
        return stage_specs(self.settings(self.warehouse("unused")))

    def generate(self) -> dict:
        """Write the lake (once); returns the generator's summary plus the bytes written."""
        marker = self.root / "generated"
        if not marker.exists():
            summary = learning_generator.generate(self.lake, scale=self.scale, degrees=self.degrees, months=self.months,
                                                  year=YEAR)
            marker.write_text(str(summary))
        files = [p for p in self.lake.rglob("*.csv")]
        rows = sum(_data_lines(p) for p in files)
        return {"files": len(files), "rows": rows, "bytes": sum(p.stat().st_size for p in files)}


def _data_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 22), b"")) - 1


def flights_upload(root: Path, rows: int) -> Path:
    """Write (once) a flights upload of `rows` rows under root/lake; returns its path."""
    path = root / "lake" / "flights" / "uploads" / FLIGHTS_UPLOAD
    marker = root / f"generated_{rows}"
    if not marker.exists():
        flights_generator.write_upload(root / "lake", FLIGHTS_UPLOAD, rows=rows)
        marker.touch()
    return path


def use_translations(warehouse: Path, source: Path | None) -> None:
    """Start `warehouse` with the SQL translations and the column lineage stored beside the `source` warehouse (the
    statements and the tables' columns are the same at every scale), or with none."""
    for stored in (translations_path, lineage_path):
        stored(warehouse).unlink(missing_ok=True)
        if source is not None and stored(source).exists():
            shutil.copy(stored(source), stored(warehouse))


def reset(path: Path) -> None:
    for suffix in ("", ".wal"):
        candidate = Path(str(path) + suffix)
        if candidate.exists():
            os.remove(candidate)
