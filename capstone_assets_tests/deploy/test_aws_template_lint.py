"""deploy/aws/template.yaml as cfn-lint reads it, without deploying it: with the informational checks, nothing is
reported for us-east-1 and eu-west-1, a broken reference would be, and no resource is named by hand where
CloudFormation can name it. Its deployment into moto's CloudFormation: test_aws_template.py."""

from __future__ import annotations

import pytest

from capstone_assets_tests.deploy.aws_template import TEMPLATE, load_template

pytestmark = pytest.mark.deploy


def lint(text: str) -> list:
    from cfnlint.api import ManualArgs, lint as cfn_lint

    return cfn_lint(text, config=ManualArgs(include_checks=["I"], regions=["us-east-1", "eu-west-1"]))


def test_cfn_lint_passes_with_informational_checks():
    matches = lint(TEMPLATE.read_text())
    assert matches == [], "\n".join(str(m) for m in matches)


def test_cfn_lint_catches_a_broken_reference():
    broken = TEMPLATE.read_text().replace("!GetAtt RedshiftRole.Arn", "!GetAtt RedshiftRole.Name", 1)
    assert any(m.rule.id == "E1010" for m in lint(broken))


def test_no_resource_is_named_by_hand_where_cloudformation_can_name_it():
    """A name property set in the template must be one CloudFormation requires (it cannot generate it)."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    template = load_template()
    named = set()
    for logical_id, resource in template["Resources"].items():
        required = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource["Type"]).schema.get("required", [])
        for prop, value in resource.get("Properties", {}).items():
            refers = isinstance(value, dict) and (value.get("Ref") in template["Resources"] or "Fn::GetAtt" in value)
            if (prop.endswith("Name") or prop == "Family") and prop not in ("DbName", "DBName") and not refers:
                assert prop in required, f"{logical_id}.{prop} is named by hand: let CloudFormation name it"
                named.add(logical_id)
    assert named == {"ServerlessNamespace", "ServerlessWorkgroup", "AthenaWorkGroup", "ServiceNamespace"}
