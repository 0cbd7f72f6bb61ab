"""How progress reads on a page: status labels with an icon (never colour alone)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from progress.models import ProgressStatus

register = template.Library()

STATUS_ICONS = {
    ProgressStatus.ACHIEVED: "✓",
    ProgressStatus.ON_TRACK: "↗",
    ProgressStatus.AT_RISK: "⚠",
    ProgressStatus.OFF_TRACK: "↘",
    ProgressStatus.MISSED: "✗",
}


@register.simple_tag
def status_badge(status: str | None) -> SafeString:
    """A progress status as an icon and words; the colour is only a third cue."""
    if not status:
        return format_html('<span class="status none">{}</span>', _("No status"))
    value = ProgressStatus(status)
    return format_html(
        '<span class="status {}" data-status="{}"><span aria-hidden="true">{}</span> {}</span>',
        value.value,
        value.value,
        STATUS_ICONS[value],
        value.label,
    )
