from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Secure forms"

    def ready(self):
        from intake import checks  # noqa: F401  (registers system checks)
