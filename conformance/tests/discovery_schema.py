"""Discovery documents -> JSON Schema, so every sandbox response can be
validated against the schema Google publishes for the method.

Objects with declared properties get ``additionalProperties: false``: a field
the discovery document does not know is a conformance failure, not noise.
"""

import json
import os

import jsonschema

TYPE_URL_SCHEMAS = {
    "type.googleapis.com/google.cloud.channel.v1.Customer": "GoogleCloudChannelV1Customer",
    "type.googleapis.com/google.cloud.channel.v1.Entitlement": "GoogleCloudChannelV1Entitlement",
    "type.googleapis.com/google.cloud.channel.v1.OperationMetadata": "GoogleCloudChannelV1OperationMetadata",
    "type.googleapis.com/google.protobuf.Empty": "GoogleProtobufEmpty",
    "type.googleapis.com/google.cloud.channel.v1.TransferEntitlementsResponse":
        "GoogleCloudChannelV1TransferEntitlementsResponse",
}


def discovery_dir():
    """Prefer the copy in the repository; fall back to ../shared/reference."""
    configured = os.environ.get("CONFORMANCE_DISCOVERY")
    if configured and os.path.isdir(configured):
        return configured
    here = os.path.dirname(os.path.abspath(__file__))
    local = os.path.join(here, "..", "..", "src", "api", "discovery")
    if os.path.isdir(local):
        return local
    return os.path.join(here, "..", "..", "..", "shared", "reference", "discovery")


def load_document(name):
    with open(os.path.join(discovery_dir(), name), encoding="utf-8") as handle:
        return json.load(handle)


def _convert(schema):
    if "$ref" in schema:
        return {"$ref": "#/definitions/" + schema["$ref"]}
    kind = schema.get("type")
    out = {}
    if kind == "any" or kind is None:
        return out
    if kind == "string":
        out["type"] = "string"
        if "enum" in schema:
            out["enum"] = list(schema["enum"])
    elif kind == "integer":
        # int32 travels as a number, int64/uint64 as a string (handled by format).
        out["type"] = "integer"
    elif kind == "number":
        out["type"] = "number"
    elif kind == "boolean":
        out["type"] = "boolean"
    elif kind == "array":
        out["type"] = "array"
        out["items"] = _convert(schema.get("items", {}))
    elif kind == "object":
        out["type"] = "object"
        if "properties" in schema:
            out["properties"] = {k: _convert(v) for k, v in schema["properties"].items()}
            out["additionalProperties"] = False
        if "additionalProperties" in schema:
            out["additionalProperties"] = _convert(schema["additionalProperties"])
    if schema.get("format") in ("int64", "uint64"):
        out["type"] = "string"
        out["pattern"] = r"^-?[0-9]+$"
    return out


class Schemas:
    """All schemas of one discovery document, as JSON Schema definitions."""

    def __init__(self, document):
        self.document = document
        self.definitions = {name: _convert(s) for name, s in document["schemas"].items()}

    def validate(self, name, instance):
        schema = {"definitions": self.definitions, "$ref": "#/definitions/" + name}
        jsonschema.Draft7Validator(schema).validate(instance)

    def validate_typed(self, payload):
        """An Any (operation response/metadata): validate by its @type."""
        type_url = payload["@type"]
        assert type_url in TYPE_URL_SCHEMAS, "unknown @type " + type_url
        body = {k: v for k, v in payload.items() if k != "@type"}
        self.validate(TYPE_URL_SCHEMAS[type_url], body)

    def method(self, method_id):
        def walk(resources):
            for resource in resources.values():
                for method in resource.get("methods", {}).values():
                    if method["id"] == method_id:
                        return method
                found = walk(resource.get("resources", {}))
                if found:
                    return found
            return None

        found = walk(self.document["resources"])
        assert found, "no method " + method_id
        return found

    def validate_response(self, method_id, response):
        method = self.method(method_id)
        self.validate(method["response"]["$ref"], response)
        if method["response"]["$ref"] == "GoogleLongrunningOperation":
            if response.get("metadata"):
                self.validate_typed(response["metadata"])
            if response.get("done"):
                assert ("response" in response) != ("error" in response), response
                if "response" in response:
                    self.validate_typed(response["response"])
