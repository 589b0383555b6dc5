"""Structured output: normalise the requested schema, validate replies, build the repair prompt.

The model is asked for JSON matching a schema; a reply that is not valid gets ONE
repair turn that quotes the validation error, then the call fails with
``malformed_output``.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from berrys_app.services.errors import ValidationFailed


class InvalidOutput(Exception):
    """The reply is not JSON, or not valid for the schema (message says why)."""


def extract_schema(response_format: dict[str, Any]) -> dict[str, Any]:
    """Accept a bare JSON schema, ``{"type": "json_object", "schema": ...}`` or OpenAI's ``json_schema`` form."""
    if response_format.get("type") == "json_schema" and isinstance(response_format.get("json_schema"), dict):
        schema = response_format["json_schema"].get("schema") or {"type": "object"}
    elif response_format.get("type") == "json_object":
        schema = response_format.get("schema") or {"type": "object"}
    else:
        schema = response_format
    if not isinstance(schema, dict):
        raise ValidationFailed("response_format must be a JSON schema object")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ValidationFailed(f"response_format is not a valid JSON schema: {exc.message}") from exc
    return schema


def _strip_fences(content: str) -> str:
    text = content.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        if text.rstrip().endswith("```"):
            text = text.rstrip()[:-3]
    return text.strip()


def parse_and_validate(content: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The reply as a JSON object valid for ``schema``, or ``InvalidOutput``."""
    try:
        value = json.loads(_strip_fences(content))
    except json.JSONDecodeError as exc:
        raise InvalidOutput(f"not valid JSON ({exc.msg} at position {exc.pos})") from exc
    if not isinstance(value, dict):
        raise InvalidOutput(f"expected a JSON object, got {type(value).__name__}")
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=lambda error: list(error.path))
    if errors:
        first = errors[0]
        where = "/".join(str(part) for part in first.path) or "(root)"
        raise InvalidOutput(f"schema violation at {where}: {first.message}")
    return value


def repair_messages(
    messages: list[dict[str, Any]], *, bad_content: str, error: str, schema: dict[str, Any]
) -> list[dict[str, Any]]:
    """The conversation plus the invalid reply and a request to fix it."""
    return [
        *messages,
        {"role": "assistant", "content": bad_content},
        {
            "role": "user",
            "content": (
                f"Your reply was invalid: {error}. Reply with only a JSON object that satisfies this "
                f"JSON schema, nothing else: {json.dumps(schema, separators=(',', ':'))}"
            ),
        },
    ]


def minimal_instance(schema: dict[str, Any]) -> Any:
    """A small value valid for common schemas (what ``scripted/echo`` answers with)."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return minimal_instance(schema[key][0])
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(part)
        return minimal_instance(merged)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: minimal_instance(properties.get(name, {})) for name in schema.get("required", [])}
    if kind == "array":
        items = schema.get("items", {})
        return [minimal_instance(items) for _ in range(int(schema.get("minItems", 0)))]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = low + 1 if "exclusiveMinimum" in schema and "minimum" not in schema else low
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return "x" * int(schema.get("minLength", 0))
