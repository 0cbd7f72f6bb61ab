from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_catalogue(sender: AppConfig, **kwargs: object) -> None:
    # post_migrate also fires after `flush`, so transactional tests keep the catalogue.
    from .services import catalogue_sync

    catalogue_sync()


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Programme catalogue")

    def ready(self) -> None:
        post_migrate.connect(_sync_catalogue, sender=self, dispatch_uid="targets.catalogue_sync")
