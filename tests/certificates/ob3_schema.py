"""The structure an Open Badges 3.0 AchievementCredential must have, written from the 1EdTech
specification's required properties (the official schema cannot be fetched from this
machine, so these are the checks we run; see docs/operator-guide.md, "Open Badges")."""

_TYPE_LIST = {"type": "array", "minItems": 1, "items": {"type": "string"}}

OB3_ACHIEVEMENT_CREDENTIAL = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["@context", "id", "type", "name", "credentialSubject", "issuer", "issuanceDate"],
    "properties": {
        "@context": {"type": "array", "minItems": 2, "prefixItems": [
            {"enum": ["https://www.w3.org/2018/credentials/v1", "https://www.w3.org/ns/credentials/v2"]},
            {"type": "string", "pattern": "^https://purl\\.imsglobal\\.org/spec/ob/v3p0/context-3\\.0\\.[0-9]+\\.json$"},
        ]},
        "id": {"type": "string", "format": "uri"},
        "type": {"allOf": [_TYPE_LIST, {"contains": {"const": "VerifiableCredential"}},
                           {"contains": {"enum": ["OpenBadgeCredential", "AchievementCredential"]}}]},
        "name": {"type": "string", "minLength": 1},
        "issuanceDate": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$"},
        "awardedDate": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$"},
        "issuer": {"type": "object", "required": ["id", "type"], "properties": {
            "id": {"type": "string"}, "type": {"allOf": [_TYPE_LIST, {"contains": {"const": "Profile"}}]}}},
        "credentialSubject": {
            "type": "object",
            "required": ["type", "achievement"],
            "anyOf": [{"required": ["id"]}, {"required": ["identifier"]}],
            "properties": {
                "type": {"allOf": [_TYPE_LIST, {"contains": {"const": "AchievementSubject"}}]},
                "identifier": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["type", "hashed", "identityHash", "identityType"],
                    "properties": {"type": {"const": "IdentityObject"}, "hashed": {"type": "boolean"},
                                   "identityType": {"type": "string", "pattern": "^(ext:[A-Za-z0-9._-]+|emailAddress|userName|identifier)$"}}}},
                "achievement": {"type": "object", "required": ["id", "type", "criteria", "description", "name"],
                                "properties": {"type": {"allOf": [_TYPE_LIST, {"contains": {"const": "Achievement"}}]},
                                               "criteria": {"type": "object", "anyOf": [{"required": ["narrative"]}, {"required": ["id"]}]}}},
                "result": {"type": "array", "items": {"type": "object", "required": ["type"]}},
            },
        },
        "credentialStatus": {"type": "object", "required": ["id", "type"]},
    },
}
