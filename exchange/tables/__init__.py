"""Every page's table as a download ("Download as Excel", and CSV): a registry of table
sources (``base.SOURCES``: name → build(user, params, language) → Table), each built on the
functions the page itself reads its rows with, and the writers of the file
(``output``). ``exchange.views.table_download`` answers small tables at once and hands
larger ones to the export job (``exchange.services.table_export_request``)."""

from . import enterprise, figures, reports
from .base import SOURCES, Source, Table, params_clean, params_from_json, params_json, table_build

__all__ = [
    "SOURCES",
    "Source",
    "Table",
    "enterprise",
    "figures",
    "params_clean",
    "params_from_json",
    "params_json",
    "reports",
    "table_build",
]
