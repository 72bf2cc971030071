from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "pairing"
    verbose_name = "结对共建"
    default_auto_field = "django.db.models.BigAutoField"
