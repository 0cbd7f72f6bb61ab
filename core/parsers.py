"""The API's JSON parser (settings' ``DEFAULT_PARSER_CLASSES``): DRF's, with JSON nested
deeper than Python can recurse refused as 400 instead of a RecursionError (a 500).

core.middleware refuses such bodies first; this holds wherever the parser is used. Kept
apart from core.api: DRF's views import the parser classes named in the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(_("The JSON is nested too deeply.")) from error
