"""Batch actions: one service applied to several objects, all of them or none.

The single-object service keeps every rule (row lock, workflow permission and state, audit
row); `apply_to_each` only runs it per object inside one transaction and, when one refuses,
rolls all of them back with a message that names the object which stopped the batch."""

from django.core.exceptions import ValidationError
from django.db import transaction


def apply_to_each(objects, service, *, actor, label=str, **kwargs) -> list:
    """`service(obj, actor=actor, **kwargs)` for each object, in one transaction; a refusal
    becomes "“<label(obj)>”：<its messages>" with the refusal's code, and nothing is kept."""
    objects = list(objects)
    if not objects:
        raise ValidationError("请先勾选要处理的条目。", code="empty")
    results = []
    with transaction.atomic():
        for obj in objects:
            try:
                results.append(service(obj, actor=actor, **kwargs))
            except ValidationError as exc:
                code = next((e.code for e in _errors(exc) if e.code), None)
                raise ValidationError(f"“{label(obj)}”：{'；'.join(exc.messages)}",
                                      code=code or "batch") from exc
    return results


def _errors(exc):
    if hasattr(exc, "error_dict"):
        return [e for errors in exc.error_dict.values() for e in errors]
    return exc.error_list
