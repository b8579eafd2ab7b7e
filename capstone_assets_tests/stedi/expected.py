"""Zone counts computed straight from the landing files with `json`, independently of the SQL under test."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

ENTITIES = ("customer", "accelerometer", "step_trainer")


def copy_landing(source_root: Path, lake_dir: Path) -> None:
    """Copy `<entity>/landing/` of each entity under `source_root` into the lake's `stedi/` folder."""
    for entity in ENTITIES:
        shutil.copytree(source_root / entity / "landing", lake_dir / "stedi" / entity / "landing")


def read_records(folder: Path) -> list[dict]:
    records = []
    for path in sorted(folder.glob("*.json")):
        for line in path.read_text().splitlines():
            if line.strip():
                records.append(json.loads(line.strip().removesuffix(",")))
    return records


def expected_counts(lake_dir: Path) -> dict[str, int]:
    root = lake_dir / "stedi"
    customers = read_records(root / "customer" / "landing")
    readings = read_records(root / "accelerometer" / "landing")
    steps = read_records(root / "step_trainer" / "landing")

    latest: dict[str, list[dict]] = {}
    for record in customers:
        kept = latest.get(record["email"])
        if kept is None or record["lastUpdateDate"] > kept[0]["lastUpdateDate"]:
            latest[record["email"]] = [record]
        elif record["lastUpdateDate"] == kept[0]["lastUpdateDate"]:
            kept.append(record)
    consenting = {email: records[0]["serialNumber"] for email, records in latest.items()
                  if all(r.get("shareWithResearchAsOfDate") is not None for r in records)}

    emails_by_serial = collections.defaultdict(set)
    for record in customers:
        emails_by_serial[record["serialNumber"]].add(record["email"])
    trusted_readings = [r for r in readings if r["user"] in consenting]
    curated = {r["user"] for r in trusted_readings}
    owner = {consenting[email]: email for email in curated if len(emails_by_serial[consenting[email]]) == 1}
    trusted_steps = [s for s in steps if s["serialNumber"] in owner]
    per_user_time = collections.Counter((r["user"], r.get("timestamp", r.get("timeStamp"))) for r in trusted_readings)
    return {
        "customer_landing": len(customers),
        "accelerometer_landing": len(readings),
        "step_trainer_landing": len(steps),
        "customer_trusted": len(consenting),
        "accelerometer_trusted": len(trusted_readings),
        "customers_curated": len(curated),
        "step_trainer_trusted": len(trusted_steps),
        "machine_learning_curated": sum(per_user_time[(owner[s["serialNumber"]], s["sensorReadingTime"])]
                                        for s in trusted_steps),
        "shared_serials": sum(1 for emails in emails_by_serial.values() if len(emails) > 1),
    }
