"""The stedi group as data: landing files and their accepted variants, trusted and curated zones, exports.

Landing tables keep the users' Athena column names (the file fields, lower-cased). Each landing spec
names the upstream variants it accepts (see `../shared/datasets/README.md`, `_history/`); any other
deviation fails the load naming file, line and field.
"""

from __future__ import annotations

from capstone_assets.lib import checks as c
from capstone_assets.lib.json_rules import JsonRules
from capstone_assets.lib.lake_tables import LakeTable
from capstone_assets.lib.specs import ModelSpec, StageSpec
from capstone_assets.stedi import checks as stedi_checks

GROUP = "stedi"
SHARE_FIELDS = ("shareWithResearchAsOfDate", "shareWithPublicAsOfDate", "shareWithFriendsAsOfDate")
CUSTOMER_FIELDS = ("customerName", "email", "phone", "birthDay", "serialNumber", "registrationDate",
                   "lastUpdateDate") + SHARE_FIELDS
STEP_TRAINER_FIELDS = ("sensorReadingTime", "serialNumber", "distanceFromObject")


def lower_case_columns(fields: tuple[str, ...]) -> dict[str, str]:
    return {f.lower(): f for f in fields if f.lower() != f}


def landing(entity: str, table: str, fields: tuple[str, ...], rules: JsonRules, description: str) -> StageSpec:
    return StageSpec(GROUP, table, f"stedi/{entity}/landing/", format="ndjson", suffix=".json",
                     field_names=lower_case_columns(fields), json_rules=rules, description=description)


STAGE_SPECS = [
    landing("customer", "customer_landing", CUSTOMER_FIELDS, JsonRules(
        numbers_as_text=("phone",),  # 2023-08-09: "phone": 8015551212
        integral_floats=SHARE_FIELDS,  # 2023-08-09: "shareWithResearchAsOfDate": 1655564376361.0
    ), "Customer records as landed; a missing consent (absent key or null) is NULL."),
    landing("accelerometer", "accelerometer_landing", ("user", "timestamp", "x", "y", "z"), JsonRules(
        aliases={"timeStamp": "timestamp"},  # 2022-10-05
    ), "Phone accelerometer readings as landed (epoch-ms timestamp)."),
    landing("step_trainer", "step_trainer_landing", STEP_TRAINER_FIELDS, JsonRules(
        strip_trailing_comma=True,  # 2022-10-05: lines end in "},"
    ), "Step-trainer distance readings as landed (epoch-ms sensorreadingtime)."),
]

MODEL_SPECS = [
    ModelSpec(GROUP, "customer_trusted", keys=("email",),
              description="Customers who agreed to share their data for research (one row per email, latest record).",
              checks=(c.not_null("sharewithresearchasofdate"), stedi_checks.consenting_customers("email"))),
    ModelSpec(GROUP, "accelerometer_trusted",
              description="Accelerometer readings of the customers in customer_trusted.",
              checks=(stedi_checks.consenting_customers("user"), stedi_checks.accelerometer_trusted_rows())),
    ModelSpec(GROUP, "customers_curated", keys=("email",),
              description="Consenting customers who have accelerometer data.",
              checks=(stedi_checks.consenting_customers("email"), stedi_checks.customers_curated_rows())),
    ModelSpec(GROUP, "customer_curated", kind="view",
              description="The source's name for `customers_curated`, a view over it, so existing queries run."),
    ModelSpec(GROUP, "step_trainer_trusted", keys=("serialnumber", "sensorreadingtime"),
              description="Step-trainer readings of the devices of curated customers; readings of serial numbers "
                          "shared by several customers are left out and reported.",
              checks=(stedi_checks.consenting_devices(), stedi_checks.one_customer_per_device(),
                      stedi_checks.step_trainer_trusted_rows(), stedi_checks.serial_number_shared_by_customers())),
    ModelSpec(GROUP, "machine_learning_curated",
              description="Each step-trainer reading with its customer's accelerometer readings of the same time; "
                          "consenting customers only, no personal data.",
              checks=(stedi_checks.consenting_devices(), stedi_checks.machine_learning_rows(),
                      stedi_checks.no_personal_columns())),
]

# table -> lake folder of its Parquet copy, as the users' Athena tables expect (stedi/<entity>/<zone>/)
EXPORTS = {
    "customer_trusted": "stedi/customer/trusted/",
    "accelerometer_trusted": "stedi/accelerometer/trusted/",
    "step_trainer_trusted": "stedi/step_trainer/trusted/",
    "customers_curated": "stedi/customer/curated/",
    "machine_learning_curated": "stedi/machine_learning/curated/",
}
# every zone in the catalogue (`stedi_lake.<table>`): trusted and curated as Parquet copies, landing in place (JSON)
LAKE_TABLES = ([LakeTable(GROUP, table, folder, asset_name=f"{table}_parquet") for table, folder in EXPORTS.items()]
               + [LakeTable(GROUP, spec.name, spec.path, format="json") for spec in STAGE_SPECS])
