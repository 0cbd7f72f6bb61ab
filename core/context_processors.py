"""Templates ask the access policy through ``can``: ``{% if can.review %}``."""

from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest

from . import policies


class Permissions:
    """The policy's answers for the request's user, computed when a template asks."""

    def __init__(self, user: policies.Actor) -> None:
        self._user = user

    @cached_property
    def review(self) -> bool:
        return policies.can_review(self._user)

    @cached_property
    def open_review_queue(self) -> bool:
        return policies.can_open_review_queue(self._user)

    @cached_property
    def read_progress(self) -> bool:
        return policies.can_read_progress(self._user)

    @cached_property
    def read_city_progress(self) -> bool:
        return policies.can_read_city_progress(self._user)

    @cached_property
    def see_everything(self) -> bool:
        return policies.sees_everything(self._user)

    @cached_property
    def own_scope(self) -> object:
        return policies.own_scope(self._user)

    @cached_property
    def read_report_list(self) -> bool:
        return policies.can_read_report_list(self._user)

    @cached_property
    def read_completeness(self) -> bool:
        return policies.can_read_completeness(self._user)

    @cached_property
    def open_my_reports(self) -> bool:
        return policies.can_open_my_reports(self._user)

    @cached_property
    def export(self) -> bool:
        return policies.can_export(self._user)

    @cached_property
    def import_data(self) -> bool:
        return policies.can_import(self._user)

    @cached_property
    def manage_programme(self) -> bool:
        return policies.can_manage_programme(self._user)

    @cached_property
    def use_admin(self) -> bool:
        return policies.can_use_admin(self._user)

    @cached_property
    def write_reference(self) -> bool:
        return policies.can_write_reference(self._user)


def policy(request: HttpRequest) -> dict[str, Permissions]:
    return {"can": Permissions(request.user)}
