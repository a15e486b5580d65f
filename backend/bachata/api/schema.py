"""OpenAPI additions: every operation documents the API's error shape for the errors it can return."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "message": {"type": "string", "description": "Readable by people; the SPA shows it as it is."},
        "code": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["message", "code", "fields"],
}

ERROR_RESPONSES = {
    "400": "The request is not valid.",
    "401": "Not logged in, or the token expired.",
    "403": "Not allowed.",
    "404": "Not found (or not yours).",
    "409": "Conflicts with the object's current state.",
    "413": "The upload is too large.",
    "415": "The body is not in a format this endpoint accepts (JSON, or multipart for uploads).",
    "429": "Too many requests (see Retry-After).",
    "503": "A service the API needs is unavailable; try again later.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result


# Rules across fields that serializers enforce in validate() and drf-spectacular cannot derive: stated here so
# that the schema says what the API refuses (the contract test's negative_data_rejection holds both to it).
BODY_RULES = {
    # LoginSerializer.validate: a username or an email address.
    "LoginRequest": {"anyOf": [{"required": ["username"]}, {"required": ["email"]}]},
    # GenerateRequestSerializer.validate: exactly one song source.
    "GenerateRequestRequest": {
        "oneOf": [{"required": ["audio_input"]}, {"required": ["song_id"]}, {"required": ["upload_id"]}]
    },
}


def state_body_rules(result, generator, request, public):
    schemas = result.get("components", {}).get("schemas", {})
    for name, rules in BODY_RULES.items():
        if name not in schemas:
            raise LookupError(f"BODY_RULES names {name}, which the schema no longer has")
        schemas[name].update(rules)
    return result
