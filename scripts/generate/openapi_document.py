"""Turns the service's OpenAPI document (Sources/SubtitlerService/OpenAPI/openapi.json) into
Sources/SubtitlerService/Generated/OpenAPIDocument.swift (`OpenAPIDocument.json`, served at /openapi.json).

The JSON must parse, be an OpenAPI 3.0 document with paths, and every local `$ref` must name something that
exists; the text is kept as written."""
import json
import sys

from swiftgen import ROOT, GenerationError, header, main, raw_string, read_text, relative

SOURCE = ROOT / "Sources/SubtitlerService/OpenAPI/openapi.json"
OUTPUT = ROOT / "Sources/SubtitlerService/Generated/OpenAPIDocument.swift"


def references(node, where="#"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield where, value
            else:
                yield from references(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from references(value, f"{where}/{index}")


def resolve(document, pointer):
    """The node a local JSON pointer (`#/components/…`) names, or None."""
    node = document
    for part in pointer[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def check(document, source):
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.0."):
        raise GenerationError(f"{source}: not an OpenAPI 3.0 document (no \"openapi\": \"3.0.x\")")
    if not isinstance(document.get("paths"), dict) or not document["paths"]:
        raise GenerationError(f"{source}: no paths")
    count = 0
    for where, target in references(document):
        count += 1
        if not isinstance(target, str) or not target.startswith("#/"):
            raise GenerationError(f"{source}: {where}: $ref {target!r} is not a local reference")
        if resolve(document, target) is None:
            raise GenerationError(f"{source}: {where}: $ref {target!r} names nothing")
    return count


def make():
    text = read_text(SOURCE)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise GenerationError(f"{relative(SOURCE)}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from error
    count = check(document, relative(SOURCE))
    swift = (header("openapi-document", "Sources/SubtitlerService/OpenAPI/openapi.json")
             + "\n/// The service's API as an OpenAPI 3.0 document, served at `/openapi.json` and checked against the"
             + " running server\n/// in CI (schemathesis).\nenum OpenAPIDocument {\n"
             + "    static let json = " + raw_string(text, relative(SOURCE)) + "\n}\n")
    return swift, f"{len(document['paths'])} paths, {count} references resolved"


if __name__ == "__main__":
    sys.exit(main("openapi-document", __doc__.split("\n\n")[0], OUTPUT, make))
