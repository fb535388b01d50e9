from django.apps import AppConfig, apps
from django.core import checks
from django.utils.module_loading import autodiscover_modules


class LayoutsCbvConfig(AppConfig):
    name = "layouts_cbv"
    verbose_name = "Layouts"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from . import checks as layout_checks
        from . import registry

        if apps.is_installed("django.contrib.auth"):
            from .cache import identity

            identity.connect()
        registry.autodiscover()
        # Layouts referred to by label are found even before any view imports them.
        autodiscover_modules("layouts")
        checks.register(layout_checks.check_settings)
        checks.register(layout_checks.check_layouts)
        checks.register(layout_checks.check_views, checks.Tags.urls)
        checks.register(layout_checks.check_page_keys, checks.Tags.urls, checks.Tags.caches)
        checks.register(layout_checks.check_cached_names, checks.Tags.caches)
        checks.register(layout_checks.check_queue_names, checks.Tags.templates)
