from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self):
        from customers import checks  # noqa: F401  (registers system checks)
