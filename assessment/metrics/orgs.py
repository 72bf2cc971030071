from assessment.metrics.registry import register_metric  # noqa: F401
