"""Metrics of automatic indicators: the registry, and the metrics of each kind of target."""

from . import (
    alliances,  # noqa: E402, F401  (registers)
    orgs,  # noqa: E402, F401  (registers)
    talents,  # noqa: E402, F401  (registers)
)
from .registry import METRICS, Cohort, Measure, Member, Metric, metric_choices, register_metric

__all__ = ["METRICS", "Cohort", "Measure", "Member", "Metric", "metric_choices", "register_metric"]
