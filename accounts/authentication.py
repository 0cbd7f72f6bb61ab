"""API authentication by expiring, revocable tokens (``Authorization: Token <key>``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .services import token_authenticate


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """DRF's header format, with the keys, expiry and revocation of ``ApiToken``."""

    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return token.user, token
