"""API-wide pieces: pagination, error shape, idempotent POSTs, role permissions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from . import policies
from .models import IdempotencyRecord

policies_predicate = Callable[[policies.Actor], bool]


class Pagination(pagination.PageNumberPagination):
    """``?page=`` from 1 (a page past the end is 404) and ``?page_size=`` a whole number from
    1 (anything else is 400, as the schema says, rather than silently ignored), capped at
    1000."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    last_page_strings = ()

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        number = request.query_params.get(self.page_query_param)
        if number == "":
            raise exceptions.NotFound(_("Invalid page."))
        return super().get_page_number(request, paginator)

    def get_page_size(self, request: Any) -> int | None:
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        if not text.isascii() or not text.isdigit() or int(text) < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("Enter a whole number from 1.")]}
            )
        return min(int(text), self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = f"Rows per page, capped at {self.max_page_size}."
        return parameters


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state.")
    default_code = "conflict"

    def __init__(self, detail: Any = None, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.extra = extra or {}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request is too large.")
    default_code = "payload_too_large"


def validation_error_to_drf(error: DjangoValidationError) -> exceptions.ValidationError:
    """A Django ValidationError (from a service) as DRF's {"field": ["message"]}."""
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {
                field: [str(m) for e in errors for m in e.messages]
                for field, errors in error.error_dict.items()
            }
        )
    return exceptions.ValidationError({"non_field_errors": [str(m) for m in error.messages]})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error of the API as JSON. What DRF does not know (a bug: 500, a database that
    cannot be reached: 503) goes on to core.middleware and core.views, JSON there too."""
    if isinstance(exc, DjangoValidationError):
        exc = validation_error_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Conflict) and isinstance(response.data, dict):
        response.data.update(exc.extra)
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response


# --- permissions: each asks the access policy (core.policies) ---------------------------


def _may(request: Request, predicate: policies_predicate) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and predicate(user))


class PolicyPermission(permissions.BasePermission):
    """Logged-in users read (rows are scoped by the selectors); ``write`` says who writes.

    Subclasses name the policy functions: ``read`` (default: anyone logged in) and ``write``.
    """

    read: policies_predicate | None = None
    write: policies_predicate | None = None

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return self.read is None or _may(request, type(self).read)  # type: ignore[arg-type]
        return self.write is not None and _may(request, type(self).write)  # type: ignore[arg-type]


class ReferenceDataPermission(PolicyPermission):
    """Reference data: everyone logged in reads what their role may see; officials write."""

    message = _("Only officials may change reference data.")
    write = staticmethod(policies.can_write_reference)


class OfficialOnly(permissions.BasePermission):
    """Programme management (rollups and the like)."""

    message = _("Only officials may do this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return _may(request, policies.can_request_rollup)


class RoleScopedViewSetMixin:
    """Views whose rows depend on the user's role: ``scoped_queryset(user)`` says which.

    Schema generation runs without a user; it gets the empty ``queryset`` instead.
    """

    queryset: Any

    def scoped_queryset(self, user: Any) -> Any:
        raise NotImplementedError

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        return self.scoped_queryset(self.request.user)  # type: ignore[attr-defined]


# --- idempotent POSTs -------------------------------------------------------------------


class IdempotentPostMixin:
    """Replays the first response to a POST with the same ``Idempotency-Key`` (per user).

    The key is claimed in its own row before the work runs, so a concurrent retry waits on
    the unique constraint instead of doing the work twice.
    """

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return self._dispatch_idempotent(request, key, *args, **kwargs)

    def idempotency_hash(self, request: Any) -> str:
        """What makes a retry the same request: its body (views taking large uploads hash
        the files instead of reading the body into memory)."""
        return hashlib.sha256(request.body or b"").hexdigest()

    def _dispatch_idempotent(self, request: Any, key: str, *args: Any, **kwargs: Any) -> Any:
        from rest_framework.request import Request as DRFRequest

        drf_request = DRFRequest(request, authenticators=self.get_authenticators())  # type: ignore[attr-defined]
        try:
            user = drf_request.user
        except exceptions.APIException:
            user = None
        if not (user and user.is_authenticated):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        body_hash = self.idempotency_hash(request)
        record = IdempotencyRecord.objects.filter(user=user, key=key[:200]).first()
        if record is None:
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=user,
                        key=key[:200],
                        method="POST",
                        path=request.path,
                        request_hash=body_hash,
                    )
            except IntegrityError:
                record = IdempotencyRecord.objects.get(user=user, key=key[:200])
            else:
                response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
                if response.status_code >= 500:
                    record.delete()
                    return response
                record.status_code = response.status_code
                record.body = json.loads(json.dumps(getattr(response, "data", None), default=str))
                record.save(update_fields=["status_code", "body"])
                return response
        if record.path != request.path or record.request_hash != body_hash:
            response = Response(
                {"Idempotency-Key": [str(_("This key was already used for a different request."))]},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        elif record.status_code is None:
            response = Response(
                {"Idempotency-Key": [str(_("The first request with this key is still running."))]},
                status=status.HTTP_409_CONFLICT,
            )
        else:
            response = Response(record.body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
        self.headers = {}
        return self.finalize_response(drf_request, response, *args, **kwargs)  # type: ignore[attr-defined]
