"""API sign-in: a username and password exchanged for an expiring token."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.schema import server_checks
from core.security import lockout_response

from .services import token_issue


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (valid ``DX_TOKEN_DAYS`` days)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer(
                "Token",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            ),
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(description="Too many attempts: locked out for a while."),
        },
        # Whether the username and password match is the server's to say.
        extensions=server_checks("non_field_errors"),
    )
    def post(self, request: Request) -> Response | HttpResponse:
        # django-axes keeps the failures; a locked-out username and address get its answer
        # (429) before the password is looked at. The plain HttpRequest is what axes reads.
        http_request = request._request
        credentials = {"username": str(request.data.get("username", ""))}
        if AxesProxyHandler.is_locked(http_request, credentials):
            return lockout_response(http_request)
        serializer = AuthTokenSerializer(data=request.data, context={"request": http_request})
        serializer.is_valid(raise_exception=True)
        issued = token_issue(user=serializer.validated_data["user"], name="API sign-in")
        return Response(
            {"token": issued.key, "expires_at": issued.token.expires_at.isoformat()},
            status=status.HTTP_200_OK,
        )
