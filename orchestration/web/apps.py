from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "orchestration.web"
    label = "web"
    verbose_name = "Troubled Families: named users and audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orchestration.web import signals

        signals.connect()
