"""The OpenAPI schema tells every error an operation can really answer.

Views use ``schema = AutoSchema()`` (or settings' ``DEFAULT_SCHEMA_CLASS``). Kept apart from
``core.api``, which DRF's settings import while drf-spectacular imports DRF's generics.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

# What most operations answer besides their success (the AutoSchema below adds the rest).
ERRORS = {
    400: OpenApiResponse(description="Invalid: {field: [message]}"),
    401: OpenApiResponse(description="Not logged in"),
    403: OpenApiResponse(description="Not allowed for this role"),
    404: OpenApiResponse(description="Not found or not yours"),
}


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The body of every error but 400: ``{"detail": message}``."""

    detail = serializers.CharField()


ERROR_DESCRIPTIONS = {
    400: "Invalid: {field: [message]} for the fields at fault, or {detail} for a body that "
    "cannot be read (malformed or deeply nested JSON, a NUL character)",
    401: "Not logged in, or the token is unknown, expired or revoked",
    403: "Not allowed for this role",
    404: "Not found, or not yours (the two answer alike)",
    413: "The body is larger than the limit (2.5 MB; imports: DX_IMPORT_MAX_BYTES)",
    415: "The body's media type is not one this operation reads",
    429: "Too many requests: wait Retry-After seconds",
    503: "The database cannot be reached: retry after Retry-After seconds",
}
_RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Seconds to wait before trying again",
    }
}
# Extension naming the fields the server checks against the data (unknown codes, quarters
# not open yet, dates against each other...): a body or query that fits the schema can
# still be refused with 400 for these fields, and only for these.
SERVER_CHECKS = "x-server-checks"


def server_checks(*fields: str) -> dict[str, Any]:
    """``extend_schema(extensions=server_checks("district", "park"))``."""
    return {SERVER_CHECKS: list(fields)}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus the error answers each operation really gives:
    401/403 where a login or a role is needed, 404 for a path that names an object (and a
    page past the end), 400 for what a client sends, 413/415 for bodies, and 429 and 503
    (with Retry-After) everywhere."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(operation):
            self._document_error(responses, code)
        return operation

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        """A serializer that refuses fields it does not know (``refuses_unknown_fields``)
        says so: ``additionalProperties: false`` on what clients send."""
        mapped = super()._map_basic_serializer
        schema: dict[str, Any] = mapped(serializer, direction)  # type: ignore[no-untyped-call]
        if direction == "request" and getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False
        return schema

    def _error_codes(self, operation: dict[str, Any]) -> list[int]:
        located = {parameter["in"] for parameter in operation.get("parameters", [])}
        has_body = "requestBody" in operation
        checks = self.view.get_permissions()
        needs_login = not all(isinstance(check, permissions.AllowAny) for check in checks)
        needs_role = any(
            not isinstance(check, (permissions.IsAuthenticated, permissions.AllowAny))
            for check in checks
        )
        codes = [429, 503]
        if has_body or "query" in located:
            codes.append(400)
        if needs_login:
            codes.append(401)
        if needs_login and (needs_role or self.method not in permissions.SAFE_METHODS):
            codes.append(403)
        if "path" in located or "page" in {p["name"] for p in operation.get("parameters", [])}:
            codes.append(404)
        if has_body:
            codes += [413, 415]
        return sorted(codes)

    def _document_error(self, responses: dict[str, Any], code: int) -> None:
        response = responses.setdefault(str(code), {})
        response.setdefault("description", ERROR_DESCRIPTIONS[code])
        if "content" not in response:
            if code == 400:
                schema: dict[str, Any] = {"type": "object", "additionalProperties": {}}
            else:
                component = self.resolve_serializer(ErrorSerializer, "response")
                schema = component.ref
            response["content"] = {"application/json": {"schema": schema}}
        if code in (429, 503):
            response.setdefault("headers", {}).update(_RETRY_AFTER)


# --- what the schema says of the values every API takes -----------------------------------

# A quarter "YYYYQn" in the range the product knows (2000Q1-2099Q4), ASCII digits only.
PERIOD_PATTERN = r"^20[0-9]{2}Q[1-4]$"
# A scope: city, district:CODE or park:CODE (targets.scopes).
SCOPE_PATTERN = r"^(city|(district|park):[A-Za-z0-9_-]{1,30})$"
# A unified social credit code's alphabet (GB 32100-2015); the check digit is the server's.
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$"


def period_parameter(description: str = "Quarter, e.g. 2024Q1") -> OpenApiParameter:
    return OpenApiParameter("period", str, description=description, pattern=PERIOD_PATTERN)


def scope_parameter(description: str, *, all_scopes: bool = False) -> OpenApiParameter:
    pattern = SCOPE_PATTERN.replace("^(city|", "^(city|all|") if all_scopes else SCOPE_PATTERN
    return OpenApiParameter("scope", str, description=description, pattern=pattern)
