"""deploy/aws/template.yaml: it deploys into moto's CloudFormation, its outputs are the settings (cfn-lint passes:
test_aws_template_lint.py).

moto's CloudFormation cannot create every type the template uses; those resources are removed by
`aws_template.moto_variant` (test_moto_variant.py) and only linted: LINTED_ONLY lists them, and docs/deploy.md
says the same. What moto creates is then read back through the services' own APIs (S3, IAM, ECS, Redshift).
"""

from __future__ import annotations

import ast
import json
import uuid

import boto3
import pytest
import yaml

from capstone_assets.lib.event_batches import BATCH_SIZE, BATCH_SWITCH
from capstone_assets.settings import load_settings
from capstone_assets_tests.deploy.aws_template import (
    REPO,
    load_template,
    moto_supported_types,
    moto_variant,
    output_name,
    removed_marker,
)

pytestmark = pytest.mark.deploy

LINTED_ONLY = {  # resource types moto's CloudFormation has no model for (moto 5.2): only linted, deployed only on AWS
    "AWS::S3::BucketPolicy",
    "AWS::SecretsManager::Secret",
    "AWS::RedshiftServerless::Namespace",
    "AWS::RedshiftServerless::Workgroup",
    "AWS::Glue::Database",
    "AWS::Athena::WorkGroup",
    "AWS::ServiceDiscovery::HttpNamespace",
}
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
LAKE_PREFIX = "raw"
SOURCE_BUCKET_ARN = "arn:aws:s3:::udacity-dend"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/capstone-assets:1"


def client(endpoint: str, service: str):
    return boto3.client(service, endpoint_url=endpoint, **CREDENTIALS)


def deploy(endpoint: str, **parameters: str) -> dict:
    """Create the moto variant as a stack; returns its description, resources and the removed resources."""
    variant, removed = moto_variant(load_template(), moto_supported_types())
    ec2 = client(endpoint, "ec2")
    vpc = next(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]][:3]
    dagster_password = client(endpoint, "secretsmanager").create_secret(
        Name=f"dagster-postgres-{uuid.uuid4().hex[:8]}", SecretString='{"username": "dagster", "password": "x"}')["ARN"]
    parameters = {"VpcId": vpc, "SubnetIds": ",".join(subnets), "ContainerImage": IMAGE,
                  "DagsterPostgresHost": "dagster-db.internal", "DagsterPostgresPasswordSecretArn": dagster_password,
                  **parameters}
    name = f"capstone-{uuid.uuid4().hex[:8]}"
    cloudformation = client(endpoint, "cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(variant), Capabilities=["CAPABILITY_IAM"],
                                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    resources = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
    return {"stack": stack, "resources": {r["LogicalResourceId"]: r for r in resources}, "removed": removed,
            "outputs": {o["OutputKey"]: o for o in stack.get("Outputs", [])},
            "clients": lambda service: client(endpoint, service)}


@pytest.fixture(scope="module")
def provisioned(s3_endpoint) -> dict:
    """The stack with a provisioned cluster (moto creates Redshift clusters, not Serverless), a lake prefix
    and one read-only source bucket."""
    ec2 = client(s3_endpoint, "ec2")
    vpc = next(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])
    database_group = ec2.create_security_group(GroupName=f"dagster-db-{uuid.uuid4().hex[:8]}", Description="RDS",
                                               VpcId=vpc)["GroupId"]
    deployed = deploy(s3_endpoint, WarehouseKind="provisioned", LakePrefix=LAKE_PREFIX,
                      SourceBucketArns=SOURCE_BUCKET_ARN, DagsterPostgresSecurityGroupId=database_group)
    return {**deployed, "database_group": database_group}


def physical(deployed: dict, logical_id: str) -> str:
    return deployed["resources"][logical_id]["PhysicalResourceId"]


def test_the_stack_deploys_every_type_moto_supports(provisioned, s3_endpoint):
    template = load_template()
    assert provisioned["stack"]["StackStatus"] == "CREATE_COMPLETE"
    assert set(provisioned["removed"].values()) == LINTED_ONLY, "update LINTED_ONLY and docs/deploy.md"
    serverless_only = {"ServerlessNamespace", "ServerlessWorkgroup"}
    expected = set(template["Resources"]) - set(provisioned["removed"]) - serverless_only
    assert set(provisioned["resources"]) == expected
    assert all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in provisioned["resources"].values())
    (database_group,) = client(s3_endpoint, "ec2").describe_security_groups(
        GroupIds=[provisioned["database_group"]])["SecurityGroups"]
    assert [(rule["FromPort"], [pair["GroupId"] for pair in rule["UserIdGroupPairs"]]) for rule in
            database_group["IpPermissions"]] == [(5432, [physical(provisioned, "DagsterSecurityGroup")])]
    deployed_types = {r["ResourceType"] for r in provisioned["resources"].values()}
    assert {"AWS::S3::Bucket", "AWS::IAM::Role", "AWS::Redshift::Cluster", "AWS::ECS::Cluster", "AWS::ECS::TaskDefinition",
            "AWS::ECS::Service", "AWS::Logs::LogGroup", "AWS::EC2::SecurityGroup"} <= deployed_types


def test_lake_bucket_is_encrypted_versioned_and_private(provisioned, s3_endpoint):
    s3, bucket = client(s3_endpoint, "s3"), physical(provisioned, "LakeBucket")
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    # moto's CloudFormation applies only a bucket's encryption and tags: the rest is read from the template
    declared = load_template()["Resources"]["LakeBucket"]["Properties"]
    assert declared["VersioningConfiguration"] == {"Status": "Enabled"}
    assert declared["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}


def statements(endpoint: str, role: str) -> list[dict]:
    iam = client(endpoint, "iam")
    found = []
    for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
        # moto 5.2 leaves `!If [cond, statement, !Ref AWS::NoValue]` in a list as null; AWS drops it
        found += [statement for statement in policy_document(document)["Statement"] if statement is not None]
    return found


def policy_document(value) -> dict:
    """A policy as IAM returns it: a dict, or JSON; moto 5.2 keeps the ones CloudFormation gave it as Python repr."""
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return ast.literal_eval(value)


def allowed(statements_: list[dict], action: str) -> set[str]:
    """The resources a role may use `action` on."""
    resources = set()
    for statement in statements_:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Allow" and action in actions:
            resources |= set(statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]])
    return resources


def test_redshift_role_reads_the_lake_and_sources_and_writes_only_under_the_lake_prefix(provisioned, s3_endpoint):
    iam, role = client(s3_endpoint, "iam"), physical(provisioned, "RedshiftRole")
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    trust = policy_document(trust)
    assert trust["Statement"][0]["Principal"]["Service"] == ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"]
    bucket_arn = f"arn:aws:s3:::{physical(provisioned, 'LakeBucket')}"
    policy = statements(s3_endpoint, role)
    assert allowed(policy, "s3:PutObject") == {f"{bucket_arn}/{LAKE_PREFIX}/*"}  # manifests are read, exports written
    assert allowed(policy, "s3:GetObject") == {f"{bucket_arn}/{LAKE_PREFIX}/*", f"{SOURCE_BUCKET_ARN}/*"}
    assert allowed(policy, "s3:ListBucket") == {bucket_arn, SOURCE_BUCKET_ARN}
    assert allowed(policy, "s3:DeleteObject") == set()
    # moto's CloudFormation does not attach a cluster's IamRoles: both warehouse kinds are read from the template
    resources = load_template()["Resources"]
    for warehouse in ("Cluster", "ServerlessNamespace"):
        assert resources[warehouse]["Properties"]["IamRoles"] == [{"Fn::GetAtt": ["RedshiftRole", "Arn"]}]


def containers(deployed: dict, endpoint: str) -> dict[str, dict]:
    ecs = client(endpoint, "ecs")
    found = {}
    for logical_id in ("CodeServerTaskDefinition", "RunTaskDefinition", "WebserverTaskDefinition", "DaemonTaskDefinition"):
        definition = ecs.describe_task_definition(taskDefinition=physical(deployed, logical_id))["taskDefinition"]
        (container,) = definition["containerDefinitions"]
        found[container["name"]] = {**container, "taskRoleArn": definition.get("taskRoleArn"),
                                    "env": {e["name"]: as_aws_answers(e["value"], deployed) for e in container.get("environment", [])},
                                    "secrets": {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}}
    return found


def env_references(node) -> set[str]:
    """Every `env: NAME` of a Dagster YAML file (instance or workspace)."""
    if isinstance(node, dict):
        return ({node["env"]} if set(node) == {"env"} else set()).union(*map(env_references, node.values()))
    if isinstance(node, list):
        return set().union(*map(env_references, node))
    return set()


def test_task_definitions_run_the_compose_commands_with_every_variable_the_instance_reads(provisioned, s3_endpoint):
    found = containers(provisioned, s3_endpoint)
    assert set(found) == {"code-server", "run", "webserver", "daemon"}
    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())["services"]
    for name in ("webserver", "daemon"):
        assert found[name]["command"] == compose[name]["command"]
    assert "command" not in found["code-server"] or not found["code-server"]["command"]  # the image's default CMD
    instance = env_references(yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text()))
    workspace = env_references(yaml.safe_load((REPO / "deploy" / "workspace.yaml").read_text()))
    for name, needs in {"webserver": instance | workspace, "daemon": instance | workspace,
                        "run": instance - {"DAGSTER_RUN_TASK_DEFINITION"}}.items():
        given = set(found[name]["env"]) | set(found[name]["secrets"])
        assert needs <= given, f"{name} lacks {sorted(needs - given)}"
    run_definition = physical(provisioned, "RunTaskDefinition")
    assert found["daemon"]["env"]["DAGSTER_RUN_TASK_DEFINITION"] == run_definition
    assert found["webserver"]["env"]["DAGSTER_RUN_TASK_DEFINITION"] == run_definition
    # one value per variable across the containers; the platform's settings equal the stack's outputs
    for variable in set().union(*(c["env"] for c in found.values())):
        assert len({c["env"][variable] for c in found.values() if variable in c["env"]}) == 1, variable
    settings_env = {v: found["run"]["env"][v] for v in found["run"]["env"] if v.startswith("CAPSTONE_")}
    assert settings_env == {k: v for k, v in found["code-server"]["env"].items() if k.startswith("CAPSTONE_")}
    assert {v: settings_env[v] for v in settings_of(provisioned)} == settings_of(provisioned)
    for name in ("CAPSTONE_REDSHIFT_PASSWORD", "DAGSTER_POSTGRES_PASSWORD"):  # the `password` key of a JSON secret
        assert found["run"]["secrets"][name].endswith(":password::")
    # runs write a step's partition materializations as one batch, as `capstone run` does (lib/event_batches.py)
    assert found["run"]["env"][BATCH_SWITCH] == str(BATCH_SIZE)
    assert compose["code-server"]["environment"][BATCH_SWITCH] == str(BATCH_SIZE)  # one host: runs start there


def settings_of(deployed: dict) -> dict[str, str]:
    """The stack's outputs as settings: each output's description starts with the variable it fills."""
    settings = {}
    for key, output in deployed["outputs"].items():
        variable = output["Description"].split()[0]
        assert key == output_name(variable), f"output {key} should be named {output_name(variable)} after {variable}"
        settings[variable] = as_aws_answers(output["OutputValue"], deployed)
    return settings


def as_aws_answers(value: str, deployed: dict) -> str:
    """moto 5.2's answers where AWS answers otherwise, turned into AWS's, so the test runs on what AWS would give:
    `GetAtt Cluster.Endpoint.Address` is the whole endpoint ({'Address':..., 'Port':...}, keys lower-cased inside
    a task definition), AWS gives the address; `Ref Cluster` is the Python object (moto's cluster has no
    physical id), AWS gives the cluster identifier."""
    if value.startswith("{"):
        return {key.lower(): item for key, item in ast.literal_eval(value).items()}["address"]
    if value.startswith("<moto.redshift.models.Cluster object"):
        stack = deployed["stack"]["StackName"]
        clusters = deployed["clients"]("redshift").describe_clusters()["Clusters"]
        (identifier,) = [c["ClusterIdentifier"] for c in clusters if c["ClusterIdentifier"].startswith(f"{stack}-Cluster-")]
        return identifier
    return value


class RecordingEnviron(dict):
    """The variables `load_settings` asked for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def test_outputs_are_exactly_settings_the_platform_reads_and_load_in_prod(provisioned, s3_endpoint):
    settings = settings_of(provisioned)
    environ = RecordingEnviron({**settings, "CAPSTONE_REDSHIFT_PASSWORD": "from-the-secret"})
    loaded = load_settings(environ)
    unread = set(settings) - environ.read
    assert not unread, f"outputs no setting reads: {sorted(unread)}"
    cluster = client(s3_endpoint, "redshift").describe_clusters()["Clusters"]
    assert loaded.env == "prod"
    assert loaded.s3_bucket == physical(provisioned, "LakeBucket") and loaded.s3_prefix == LAKE_PREFIX
    assert loaded.redshift_host in {c["Endpoint"]["Address"] for c in cluster}
    assert (loaded.redshift_port, loaded.redshift_database, loaded.redshift_user) == (5439, "capstone", "capstone_admin")
    assert loaded.redshift_iam_role.startswith("arn:aws:iam::") and ":role/" in loaded.redshift_iam_role
    assert loaded.redshift_cluster_identifier in {c["ClusterIdentifier"] for c in cluster}
    assert loaded.redshift_workgroup is None and loaded.redshift_region == loaded.aws_region == "us-east-1"
    assert loaded.lake_catalog == "glue"
    assert dict(loaded.catalog_databases) == {"sparkify": "sparkify_lake", "stedi": "stedi_lake"}
    assert loaded.athena_workgroup == removed_marker("AthenaWorkGroup")  # only linted: see LINTED_ONLY


def test_serverless_stack_deploys_with_the_workgroup_only_linted(s3_endpoint):
    deployed = deploy(s3_endpoint)  # the defaults: Redshift Serverless, no prefix, no other source bucket
    assert deployed["stack"]["StackStatus"] == "CREATE_COMPLETE"
    assert not {"Cluster", "ClusterSubnetGroup", "DagsterPostgresIngress"} & set(deployed["resources"])
    outputs = {k: o["OutputValue"] for k, o in deployed["outputs"].items()}
    assert outputs["CapstoneRedshiftHost"] == removed_marker("ServerlessWorkgroup", "Workgroup.Endpoint.Address")
    assert outputs["CapstoneRedshiftWorkgroup"] == removed_marker("ServerlessWorkgroup")
    assert "CapstoneRedshiftClusterIdentifier" not in outputs
    assert "CapstoneS3Prefix" not in outputs  # no prefix: no output, the setting's default (the whole bucket)
    policy = statements(s3_endpoint, physical(deployed, "RedshiftRole"))
    assert allowed(policy, "s3:GetObject") == {f"arn:aws:s3:::{physical(deployed, 'LakeBucket')}/*"}
