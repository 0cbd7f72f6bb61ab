from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("Progress")

    def ready(self) -> None:
        from targets.signals import recompute_requested

        from .services import rollup_dispatch_later

        # The lower apps record changes; this app turns them into rollup runs.
        recompute_requested.connect(rollup_dispatch_later, dispatch_uid="progress-dispatch")
