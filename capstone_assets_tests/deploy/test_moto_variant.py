"""`aws_template.moto_variant` on a small template: the resources of a type moto's CloudFormation cannot create are
removed, and every reference to one (`Ref`, `Fn::GetAtt`, `${...}` in `Fn::Sub`, `DependsOn`, an output) becomes the
marker naming it; a local `Fn::Sub` variable of the same name and the original template are left as they were."""

from __future__ import annotations

import pytest

from capstone_assets_tests.deploy.aws_template import moto_variant, removed_marker

pytestmark = pytest.mark.deploy


def test_moto_variant_removes_unsupported_resources_and_marks_references():
    template = {
        "Resources": {
            "Kept": {"Type": "AWS::S3::Bucket"},
            "Gone": {"Type": "AWS::Glue::Database"},
            "User": {"Type": "AWS::IAM::Role", "DependsOn": ["Gone", "Kept"], "Properties": {
                "A": {"Ref": "Gone"}, "B": {"Fn::GetAtt": ["Gone", "Arn"]}, "C": {"Fn::GetAtt": "Gone.Endpoint.Address"},
                "D": {"Fn::Sub": "x-${Gone}-${Kept}-${Gone.Arn}-${AWS::Region}"},
                "E": {"Fn::Sub": ["${Gone}/${Other}", {"Other": {"Ref": "Gone"}}]},
                "F": {"Fn::Sub": ["${Gone}", {"Gone": "local"}]},
                "G": [{"Ref": "Kept"}]}},
        },
        "Outputs": {"O": {"Value": {"Ref": "Gone"}}},
    }
    variant, removed = moto_variant(template, {"AWS::S3::Bucket", "AWS::IAM::Role"})
    assert removed == {"Gone": "AWS::Glue::Database"}
    assert set(variant["Resources"]) == {"Kept", "User"}
    user = variant["Resources"]["User"]
    assert user["DependsOn"] == ["Kept"]
    marker = removed_marker("Gone")
    assert user["Properties"] == {
        "A": marker, "B": removed_marker("Gone", "Arn"), "C": removed_marker("Gone", "Endpoint.Address"),
        "D": {"Fn::Sub": f"x-{marker}-${{Kept}}-{removed_marker('Gone', 'Arn')}-${{AWS::Region}}"},
        "E": {"Fn::Sub": [f"{marker}/${{Other}}", {"Other": marker}]},
        "F": {"Fn::Sub": ["${Gone}", {"Gone": "local"}]},  # a local variable of the same name is not the resource
        "G": [{"Ref": "Kept"}]}
    assert variant["Outputs"]["O"]["Value"] == marker
    assert template["Resources"]["User"]["Properties"]["A"] == {"Ref": "Gone"}, "the original is left as it was"
