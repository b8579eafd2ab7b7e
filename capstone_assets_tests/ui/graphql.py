"""What a user does in the Dagster UI, as the GraphQL calls the UI itself makes (schema: dagster_graphql 1.13)."""

from __future__ import annotations

from capstone_assets_tests.ui.server import DagsterDev, wait_for

LOCATION = "capstone_assets"
REPOSITORY = "__repository__"
FINISHED_RUN = {"SUCCESS", "FAILURE", "CANCELED"}
FINISHED_BACKFILL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}

ASSET_GROUPS = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name location { name } assetGroups { groupName assetKeys { path } } } } } }"""
ASSET_NODE = """query($key: AssetKeyInput!) { assetNodes(assetKeys: [$key]) {
    assetKey { path } isPartitioned partitionKeys partitionKeysByDimension { name partitionKeys }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }"""
LAUNCH_BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
    __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message stack }
    ... on PartitionKeysNotFoundError { message } ... on UnauthorizedError { message } } }"""
BACKFILL = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
    __typename ... on PartitionBackfill { status numPartitions error { message }
      runs { runId status tags { key value } assetSelection { path } } } ... on PythonError { message } } }"""
CHECK_EXECUTIONS = """query($key: AssetKeyInput!, $check: String!) {
    assetCheckExecutions(assetKey: $key, checkName: $check, limit: 200) { runId status partition } }"""
RUN = "query($id: ID!) { runOrError(runId: $id) { ... on Run { runId status tags { key value } assetSelection { path } } } }"
START_SCHEDULE = """mutation($s: ScheduleSelector!) { startSchedule(scheduleSelector: $s) {
    __typename ... on ScheduleStateResult { scheduleState { id status } } ... on PythonError { message } } }"""
STOP_SCHEDULE = "mutation($id: String!) { stopRunningSchedule(id: $id) { __typename } }"
SCHEDULE = """query($s: ScheduleSelector!) { scheduleOrError(scheduleSelector: $s) { ... on Schedule {
    cronSchedule executionTimezone scheduleState { status } futureTicks(limit: 1) { results { timestamp } } } } }"""
SCHEDULE_DRY_RUN = """mutation($s: ScheduleSelector!, $t: Float) { scheduleDryRun(selectorData: $s, timestamp: $t) {
    __typename ... on DryRunInstigationTick { evaluationResult { skipReason error { message }
      runRequests { runKey jobName tags { key value } } } } ... on PythonError { message } } }"""
SENSOR_DRY_RUN = """mutation($s: SensorSelector!) { sensorDryRun(selectorData: $s, cursor: null) {
    __typename ... on DryRunInstigationTick { evaluationResult { cursor skipReason error { message }
      runRequests { runKey jobName tags { key value } } } } ... on PythonError { message } } }"""
SET_SENSOR_CURSOR = """mutation($s: SensorSelector!, $cursor: String) { setSensorCursor(sensorSelector: $s, cursor: $cursor) {
    __typename ... on Sensor { sensorState { status } } ... on PythonError { message } } }"""
START_SENSOR = """mutation($s: SensorSelector!) { startSensor(sensorSelector: $s) {
    __typename ... on Sensor { sensorState { id status } } ... on PythonError { message } } }"""
STOP_SENSOR = "mutation($id: String!) { stopSensor(id: $id) { __typename } }"
SENSOR_TICKS = """query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { ... on Sensor {
    sensorState { ticks(limit: 20) { status runIds runKeys skipReason error { message } } } } } }"""
SET_NUX_SEEN = "mutation { setNuxSeen }"


def asset_key(key: str) -> dict:
    return {"path": key.split("/")}


def tags_of(entry: dict) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in entry["tags"]}


def asset_groups(ui: DagsterDev) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for repository in ui.query(ASSET_GROUPS)["repositoriesOrError"]["nodes"]:
        for group in repository["assetGroups"]:
            groups.setdefault(group["groupName"], []).extend("/".join(k["path"]) for k in group["assetKeys"])
    return groups


def asset_node(ui: DagsterDev, key: str) -> dict:
    (node,) = ui.query(ASSET_NODE, {"key": asset_key(key)})["assetNodes"]
    return node


def launch_backfill(ui: DagsterDev, asset_keys: list[str], partition_names: list[str], title: str) -> str:
    params = {"assetSelection": [asset_key(k) for k in asset_keys], "partitionNames": partition_names, "title": title}
    result = ui.query(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
    assert result["__typename"] == "LaunchBackfillSuccess", f"backfill not launched: {result}"
    return result["backfillId"]


def wait_for_backfill(ui: DagsterDev, backfill_id: str, timeout: float = 420) -> dict:
    def finished():
        backfill = ui.query(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
        assert backfill["__typename"] == "PartitionBackfill", backfill
        return backfill if backfill["status"] in FINISHED_BACKFILL else None

    return wait_for(f"backfill {backfill_id} to finish", finished, timeout, interval=3, describe=ui.log_tail)


def check_executions(ui: DagsterDev, key: str, check: str) -> list[dict]:
    return ui.query(CHECK_EXECUTIONS, {"key": asset_key(key), "check": check})["assetCheckExecutions"]


def wait_for_run(ui: DagsterDev, run_id: str, timeout: float = 180) -> dict:
    def finished():
        run = ui.query(RUN, {"id": run_id})["runOrError"]
        return run if run.get("status") in FINISHED_RUN else None

    return wait_for(f"run {run_id} to finish", finished, timeout, interval=2, describe=ui.log_tail)


def schedule_selector(name: str) -> dict:
    return {"repositoryName": REPOSITORY, "repositoryLocationName": LOCATION, "scheduleName": name}


def sensor_selector(name: str) -> dict:
    return {"repositoryName": REPOSITORY, "repositoryLocationName": LOCATION, "sensorName": name}


def start_schedule(ui: DagsterDev, name: str) -> dict:
    result = ui.query(START_SCHEDULE, {"s": schedule_selector(name)})["startSchedule"]
    assert result["__typename"] == "ScheduleStateResult", f"schedule {name} not started: {result}"
    return result["scheduleState"]


def start_sensor(ui: DagsterDev, name: str) -> dict:
    result = ui.query(START_SENSOR, {"s": sensor_selector(name)})["startSensor"]
    assert result["__typename"] == "Sensor", f"sensor {name} not started: {result}"
    return result["sensorState"]


def dry_run(ui: DagsterDev, mutation: str, variables: dict) -> dict:
    result = next(iter(ui.query(mutation, variables).values()))
    assert result["__typename"] == "DryRunInstigationTick", f"dry run failed: {result}"
    evaluation = result["evaluationResult"]
    assert not evaluation["error"], f"evaluation failed: {evaluation['error']}"
    return evaluation


def wait_for_sensor_tick_with_runs(ui: DagsterDev, name: str, timeout: float = 150) -> list[dict]:
    def ticks():
        found = ui.query(SENSOR_TICKS, {"s": sensor_selector(name)})["sensorOrError"]["sensorState"]["ticks"]
        failures = [t for t in found if t["status"] == "FAILURE"]
        assert not failures, f"sensor {name} tick failed: {failures[0]['error']}"
        return found if any(t["runIds"] for t in found) else None

    return wait_for(f"a tick of sensor {name} that requests a run", ticks, timeout, interval=2, describe=ui.log_tail)
