"""deploy/aws/template.yaml as data, and the variant of it that moto's CloudFormation can deploy.

moto's CloudFormation creates only the resource types it has a model for (Redshift Serverless, Secrets
Manager, Glue, Athena, Cloud Map and S3 bucket policies it has none for: it would warn and skip them,
leaving every reference to them dangling). `moto_variant` removes exactly those resources, by moto's own
registry of supported types (not a hand-kept list), and replaces each reference to a removed resource
(`Ref`, `Fn::GetAtt`, `${Name}` / `${Name.Attr}` in `Fn::Sub`) with a marker ARN naming it, so everything
else deploys as written. The tests say which types were deployed and which were only linted.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Iterable

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "aws" / "template.yaml"
SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)((?:\.[A-Za-z0-9.]+)?)\}")


def load_template(path: Path = TEMPLATE) -> dict:
    """The template as plain dicts and lists (short forms such as `!Ref X` become `{"Ref": "X"}`)."""
    from cfnlint.decode import decode

    template, problems = decode(str(path))
    if problems:
        raise ValueError(f"{path}: cannot be read: {problems}")
    return _plain(template)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return str(node) if isinstance(node, str) else node


def output_name(variable: str) -> str:
    """The output that fills a setting: CAPSTONE_REDSHIFT_IAM_ROLE -> CapstoneRedshiftIamRole."""
    return "".join(part.capitalize() for part in variable.split("_"))


def moto_supported_types() -> set[str]:
    from moto.cloudformation.parsing import get_model_map

    return set(get_model_map())


def removed_marker(logical_id: str, attribute: str = "") -> str:
    return f"arn:aws:cloudformation:::removed/{logical_id}{'.' + attribute if attribute else ''}"


def moto_variant(template: dict, supported: Iterable[str]) -> tuple[dict, dict[str, str]]:
    """(the template without the resources moto cannot create, {removed logical id: its type})."""
    supported = set(supported)
    removed = {name: body["Type"] for name, body in template["Resources"].items() if body["Type"] not in supported}
    variant = copy.deepcopy(template)
    variant["Resources"] = {name: body for name, body in variant["Resources"].items() if name not in removed}
    for body in variant["Resources"].values():
        depends = body.pop("DependsOn", [])
        kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in removed]
        if kept:
            body["DependsOn"] = kept
    variant["Resources"] = _replace_references(variant["Resources"], removed)
    variant["Outputs"] = _replace_references(variant.get("Outputs", {}), removed)
    return variant, removed


def _replace_references(node: Any, removed: dict[str, str]) -> Any:
    if isinstance(node, list):
        return [_replace_references(item, removed) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in removed:
        return removed_marker(node["Ref"])
    if set(node) == {"Fn::GetAtt"}:
        target = node["Fn::GetAtt"]
        name, attribute = target if isinstance(target, list) else target.split(".", 1)
        if name in removed:
            return removed_marker(name, attribute)
    if set(node) == {"Fn::Sub"}:
        return {"Fn::Sub": _replace_in_sub(node["Fn::Sub"], removed)}
    return {key: _replace_references(value, removed) for key, value in node.items()}


def _replace_in_sub(sub: Any, removed: dict[str, str]) -> Any:
    if isinstance(sub, list):  # [text, {local variables}]: local names shadow resources
        text, local = sub
        local = _replace_references(local, removed)
        return [_substitute(text, {k: v for k, v in removed.items() if k not in local}), local]
    return _substitute(sub, removed)


def _substitute(text: str, removed: dict[str, str]) -> str:
    def marker(match: re.Match) -> str:
        name, attribute = match.group(1), match.group(2).lstrip(".")
        return removed_marker(name, attribute) if name in removed else match.group(0)

    return SUB_VARIABLE.sub(marker, text)
