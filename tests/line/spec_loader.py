"""Load LINE's published OpenAPI files (tests/line/spec/) and make their polymorphic schemas strict.

The files model message types, actions, templates, flex components, webhook events and so on as an
abstract base schema with a `discriminator` mapping, and each concrete type as `allOf: [base, ...]`.
openapi-core (through openapi-schema-validator) does not enforce a discriminator on its own: a
message is checked against the base only, so `{"type": "nonsense"}` or a flex message without
`contents` passes. That once let a bug through, so every base with a mapping is rewritten here (in
memory, the shipped files stay verbatim) into a `oneOf` of its mapped schemas, each branch pinned
to its own discriminator value.
"""
from __future__ import annotations

import copy
import re
from functools import lru_cache
from pathlib import Path

import yaml

SPEC_DIR = Path(__file__).parent / "spec"
SCHEMA_REF = "#/components/schemas/"

# Marks the enum that pins a oneOf branch to its discriminator value, so that error reports can tell
# "no branch has this type" apart from "the branch of this type has an error" (see explain()).
PIN = "x-fake-discriminator-pin"


def rewrite_discriminators(spec: dict) -> dict:
    """Turn each schema with a discriminator mapping into a strict oneOf; returns the same dict."""
    schemas = spec["components"]["schemas"]
    polymorphic = {name: schema for name, schema in schemas.items()
                   if schema.get("discriminator", {}).get("mapping")}

    for name, schema in polymorphic.items():
        prop = schema["discriminator"]["propertyName"]
        # The base keeps the shared properties; concrete types inherit from it. The discriminator
        # property becomes required even where LINE's file forgot it (Action, Recipient, ...).
        base = {key: value for key, value in schema.items() if key != "discriminator"}
        base["required"] = sorted(set(base.get("required", [])) | {prop})
        schemas[_base_name(name)] = base
        # Where the base is *used* (a message list, a bubble's body, ...) any one concrete type is
        # accepted, and only one whose own required fields and limits hold.
        schemas[name] = {
            "description": f"{name}: one of its mapped types (strict form of the discriminator)",
            "oneOf": [
                {"allOf": [
                    {"$ref": target},
                    {"type": "object", "required": [prop],
                     "properties": {prop: {"type": "string", "enum": [value], PIN: True}}},
                ]}
                for value, target in schema["discriminator"]["mapping"].items()
            ],
        }

    # Inheritance (`allOf: [{$ref: Base}, ...]`) must now point at the base copy: pointing at the
    # oneOf would loop (Message -> TextMessage -> Message -> ...).
    _retarget_inheritance(spec, {SCHEMA_REF + n: SCHEMA_REF + _base_name(n) for n in polymorphic})
    return spec


def _base_name(name: str) -> str:
    return f"{name}__Base"


def _retarget_inheritance(node, targets: dict[str, str]) -> None:
    if isinstance(node, dict):
        for item in node.get("allOf", []):
            if isinstance(item, dict) and item.get("$ref") in targets:
                item["$ref"] = targets[item["$ref"]]
        for value in node.values():
            _retarget_inheritance(value, targets)
    elif isinstance(node, list):
        for value in node:
            _retarget_inheritance(value, targets)


@lru_cache(maxsize=None)
def _strict_spec(filename: str) -> dict:
    with open(SPEC_DIR / filename, encoding="utf-8") as fh:
        return rewrite_discriminators(yaml.safe_load(fh))


def strict_spec(filename: str) -> dict:
    """A fresh, rewritten copy of one of the shipped files (parsed once per process)."""
    return copy.deepcopy(_strict_spec(filename))


# ---------------------------------------------------------------- error reports
def explain(errors) -> list[dict]:
    """Turn jsonschema errors into LINE-style details: [{"message": ..., "property": ...}]."""
    details: list[dict] = []
    for error in errors:
        for detail in _leaf_details(error):
            if detail not in details:  # the allOf halves of one branch often say the same thing
                details.append(detail)
    return details


def _leaf_details(error) -> list[dict]:
    if error.validator != "oneOf" or not error.context:
        return [_detail(error)]
    branches: dict[int, list] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    # A branch whose discriminator pin did not fail is the type the sender meant: its errors are
    # the real complaint (e.g. a flex message without `contents`).
    meant = [errs for errs in branches.values() if not any(_pin_failed(e) for e in errs)]
    if meant:
        return [detail for sub in meant[0] for detail in _leaf_details(sub)]
    pins = [e for errs in branches.values() for e in errs if _pin_failed(e)]
    if pins and pins[0].validator == "required":
        return [_detail(pins[0])]  # the discriminator itself is missing
    if pins:
        allowed = sorted(v for e in pins for v in e.schema["enum"])
        return [{"message": f"unknown type {pins[0].instance!r}; expected one of {allowed}",
                 "property": _property(pins[0].absolute_path)}]
    # No pin was reached (the value is not even an object with the property): report as is.
    return [_detail(error)]


def _pin_failed(error) -> bool:
    """Did this branch fail because its discriminator value is absent or another one?"""
    if error.validator == "enum":
        return bool(error.schema.get(PIN))
    if error.validator == "required":
        return any(isinstance(p, dict) and p.get(PIN) for p in error.schema.get("properties", {}).values())
    return False


# jsonschema repeats the whole offending value in these messages; LINE states the bound instead.
_BOUNDS = {"maxItems": "Size must be at most {}", "minItems": "Size must be at least {}",
           "maxLength": "Length must be at most {}", "minLength": "Length must be at least {}"}


def _detail(error) -> dict:
    path = list(error.absolute_path)
    message = error.message
    if error.validator in _BOUNDS:
        message = _BOUNDS[error.validator].format(error.validator_value)
    elif error.validator == "required":
        # Name the missing field itself, as LINE does: `messages[0].contents`, "must be specified".
        missing = re.match(r"^'(.+)' is a required property$", error.message)
        if missing:
            path.append(missing.group(1))
            message = "must be specified"
    return {"message": message, "property": _property(path)}


def _property(path) -> str:
    """LINE names the offending field like `messages[0].contents.body.contents[1].type`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
