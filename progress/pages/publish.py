"""Officials publish a quarter's city figures for the public page, and see every version
published so far (DOMAIN.md, "Published figures")."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from core import policies
from core.views import require
from targets.fields import PeriodChoiceField
from targets.periods import last_ended_period

from .. import selectors, services


class PublishForm(forms.Form):
    period = PeriodChoiceField()

    def __init__(self, *args: object, periods: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(PeriodChoiceField, self.fields["period"]).periods = periods


def publishable_periods() -> list[int]:
    """Ended quarters that have figures, newest first."""
    last = last_ended_period()
    return sorted((p for p in selectors.snapshot_periods() if p <= last), reverse=True)


@require(policies.can_publish)
def publications_page(request: HttpRequest) -> HttpResponse:
    """Every publication, newest first, and the form that publishes a quarter."""
    periods = publishable_periods()
    form = PublishForm(request.POST or None, periods=periods)
    if request.method == "POST" and form.is_valid():
        try:
            publication = services.publication_create(
                period=form.cleaned_data["period"], by=request.user
            )
        except ValidationError as error:
            for message in error.message_dict.get("period", error.messages):
                form.add_error("period", message)
        else:
            messages.success(
                request,
                _("%(period)s is published (version %(version)s).")
                % {"period": str(publication), "version": publication.version},
            )
            return redirect("progress:publications")
    publications = selectors.publication_list()
    published = {p.period for p in publications}
    context = {
        "form": form,
        "publications": publications,
        "unpublished": [p for p in periods if p not in published],
    }
    return render(
        request, "progress/publications.html", context, status=400 if form.errors else 200
    )


urlpatterns: list[URLPattern] = [
    path("", publications_page, name="publications"),
]
