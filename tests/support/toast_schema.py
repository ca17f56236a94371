"""Test tooling: Toast's OpenAPI definitions as JSON Schema draft-4 validators.

Swagger 2.0 ``definitions`` (and OAS 3 ``components/schemas``) become one draft-4
document. ``x-nullable``/``nullable`` add ``null``; ``example``, ``description``
and ``x-*`` keys are dropped; ``format: uuid`` is checked. YAML is read so the
unquoted ``YES``/``NO`` enums stay strings (docs/toast-api.md, quirks).

Only the spec quirks of docs/toast-api.md ("Where the specs and the wire differ") are
tolerated: strict mode validates ``pricingRules`` and ``Menu.availability`` as
their ``$ref`` targets, and the fields Toast documents as possibly null without
marking them get ``null`` added. Nothing else is loosened.
"""

from __future__ import annotations

import functools
import re
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPECS = Path("/work/shared/toast/specs")
_BOOL = "tag:yaml.org,2002:bool"

# Documented as possibly null, not marked x-nullable (docs/toast-api.md, quirks).
LENIENT_NULLS = {
    ("MenuItem", "salesCategory"), ("ModifierOption", "salesCategory"),
    ("Alcohol", "containsAlcohol"), ("AuthenticationToken", "scope"),
    ("AuthenticationToken", "idToken"), ("AuthenticationToken", "refreshToken"),
    ("ModifierGroup", "preModifierGroupReference"),
}
# Declared `type: object` + `items: {$ref}` (docs/toast-api.md, quirks); strict uses the $ref.
TYPED_OBJECTS = {("MenuItem", "pricingRules"), ("ModifierGroup", "pricingRules"),
                 ("ModifierOption", "pricingRules"), ("Menu", "availability")}


class _YesNoLoader(yaml.SafeLoader):
    """YAML 1.1 would read YES/NO as booleans; Toast's wire values are strings."""


_YesNoLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YesNoLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


@functools.cache
def load_spec(name: str) -> dict[str, Any]:
    text = (SPECS / name).read_text("utf-8")
    loaded: dict[str, Any] = yaml.load(text, Loader=_YesNoLoader)  # noqa: S506 - a SafeLoader subclass
    return loaded


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [{"$ref": schema["$ref"]}, {"type": "null"}]}
    out = dict(schema)
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    if "type" not in out and "enum" not in out:
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _convert(node: Any, *, strict: bool, owner: str = "", prop: str = "") -> Any:
    if isinstance(node, list):
        return [_convert(v, strict=strict) for v in node]
    if not isinstance(node, dict):
        return node
    if strict and (owner, prop) in TYPED_OBJECTS:
        typed: dict[str, Any] = {"$ref": node["items"]["$ref"]}
        out = _nullable(typed) if node.get("x-nullable") else typed
        return _convert(out, strict=strict)
    out = {}
    for key, value in node.items():
        if key in ("example", "description", "nullable", "readOnly") or key.startswith("x-"):
            continue
        if key == "$ref":
            out[key] = value.replace("#/components/schemas/", "#/definitions/")
        elif key == "properties":
            out[key] = {p: _convert(v, strict=strict, owner=owner, prop=p)
                        for p, v in value.items()}
        else:
            out[key] = _convert(value, strict=strict)
    if node.get("x-nullable") or node.get("nullable") or (owner, prop) in LENIENT_NULLS:
        out = _nullable(out)
    return out


def definitions(spec: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    raw = spec.get("definitions") or spec.get("components", {}).get("schemas", {})
    return {name: _convert(d, strict=strict, owner=name) for name, d in raw.items()}


def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or str(uuid.UUID(value)) == value.lower()


_FORMATS = jsonschema.FormatChecker()
_FORMATS.checks("uuid", raises=ValueError)(_is_uuid)


def validator(spec_name: str, root: str, *, strict: bool = True,
              array: bool = False) -> jsonschema.Draft4Validator:
    """A draft-4 validator for ``#/definitions/<root>`` (or an array of it)."""
    ref = {"$ref": f"#/definitions/{root}"}
    schema = {"definitions": definitions(load_spec(spec_name), strict=strict),
              **({"type": "array", "items": ref} if array else ref)}
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=_FORMATS)


def errors(v: jsonschema.Draft4Validator, doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in v.iter_errors(doc)]
