#!/usr/bin/env python3
"""Checks an OpenAPI document and responses against it, for the services' integration tests.

  openapi_check.py spec DOC.json
      validates DOC.json as an OpenAPI document (openapi-spec-validator, 3.1 rules)
  openapi_check.py response DOC.json PATH METHOD STATUS BODY.json
      validates BODY.json against the schema DOC.json declares for that response
      (PATH as in the document, e.g. /v1/customers/{id}; jsonschema, draft 2020-12)

Exit 0 when valid; otherwise 1 with the reason on stderr.
"""
import json
import sys

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError


def check_spec(doc_path):
    with open(doc_path) as f:
        doc = json.load(f)
    if not str(doc.get("openapi", "")).startswith("3.1"):
        sys.exit(f"not an OpenAPI 3.1 document: openapi={doc.get('openapi')!r}")
    try:
        validate(doc)
    except OpenAPIValidationError as e:
        sys.exit(f"invalid OpenAPI document: {e}")


def pointer_escape(token):
    return token.replace("~", "~0").replace("/", "~1")


def check_response(doc_path, path, method, status, body_path):
    with open(doc_path) as f:
        doc = json.load(f)
    with open(body_path) as f:
        body = json.load(f)
    try:
        media = doc["paths"][path][method.lower()]["responses"][status]["content"]
        media["application/json"]["schema"]
    except KeyError as e:
        sys.exit(f"the document declares no JSON response {status} for {method} {path} ({e})")
    pointer = "/".join(["#", "paths", pointer_escape(path), method.lower(), "responses", status,
                        "content", pointer_escape("application/json"), "schema"])
    # The whole document is the schema resource, so its #/components/... references resolve;
    # its other members are not JSON Schema keywords and are ignored.
    root = dict(doc)
    root["$ref"] = pointer
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    errors = sorted(Draft202012Validator(root).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        sys.exit("; ".join(f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}"
                           for e in errors))


def main(argv):
    if len(argv) == 3 and argv[1] == "spec":
        check_spec(argv[2])
    elif len(argv) == 7 and argv[1] == "response":
        check_response(*argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
