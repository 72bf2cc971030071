from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = "考核评价"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Capabilities first (the models' workflows check them), then the job handlers.
        from . import exporters, jobs, navigation, org_sections, results_export, star_source  # noqa: F401

        star_source.register()
