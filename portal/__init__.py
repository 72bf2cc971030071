"""County party-building portal: the project package and its core (org tree, people, scope)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
