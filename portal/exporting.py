"""Exporters: one registry and one way to start an export (pretix `base/exporter.py` and
`base/services/export.py`).

An exporter is a class registered with `@register_exporter`, in its own app's module (portal
imports no other app; each app's exporters module is imported by its AppConfig.ready()):

    @register_exporter
    class PeopleExporter(Exporter):
        identifier = "export_people"      # unique; also the Job.kind
        verbose_name = "人员"             # Chinese, shown in titles and the audit log
        capability = "data.export"        # needed on the scope org to start it (the default)
        form_class = ScopeExportForm      # a Form taking `user=` that narrows its choices

        def render(self, job, report):    # report(percent, message="")
            return ExportFile(filename, mimetype, content)

`start_export(identifier, scope_org, params, *, actor)` checks the capability, creates the Job,
writes the audit row and enqueues the job when the transaction commits; the job runner
(portal.jobs.execute_job) re-checks the capability, calls `render` and stores the file.
"""

from django.db import transaction

from portal import audit
from portal.jobs import ExportFile, enqueue_job, register_export_handler
from portal.models import Job
from portal.models.audit import AuditAction
from portal.scope import require

__all__ = ["ExportFile", "Exporter", "UnknownExporter", "exporters", "get_exporter",
           "register_exporter", "start_export"]

_registry = {}


class UnknownExporter(LookupError):
    """No exporter is registered under that identifier."""


class Exporter:
    """Base class of exporters; subclasses set the attributes and implement `render`."""

    identifier = ""
    verbose_name = ""
    capability = "data.export"
    form_class = None

    def get_form(self, data=None, *, user, **kwargs):
        """The export's form, its choices narrowed to what `user` may export."""
        return self.form_class(data, user=user, **kwargs)

    def clean_params(self, scope_org, params) -> dict:
        """The job's parameters, normalized; raise ValueError on values the exporter refuses."""
        return dict(params)

    def job_title(self, scope_org, params) -> str:
        return f"导出{self.verbose_name}：{scope_org.name}"

    def audit_summary(self, scope_org, params) -> str:
        return f"导出{self.verbose_name}（{scope_org.name}）"

    def download_capability(self, actor, scope_org, params) -> str:
        """What downloading the file takes; the job runner re-checks it before rendering."""
        return self.capability

    def render(self, job, report) -> ExportFile:
        raise NotImplementedError


def register_exporter(cls):
    """Class decorator: register an Exporter subclass under its identifier."""
    missing = [name for name in ("identifier", "verbose_name", "capability", "form_class")
               if not getattr(cls, name)]
    if missing:
        raise TypeError(f"exporter {cls.__qualname__} lacks {', '.join(missing)}")
    known = _registry.get(cls.identifier)
    if known is not None and (known.__module__, known.__qualname__) != (cls.__module__,
                                                                         cls.__qualname__):
        raise ValueError(f"exporter identifier {cls.identifier!r} is taken by {known!r}")
    _registry[cls.identifier] = cls

    def handler(job, report):
        return cls().render(job, report)

    register_export_handler(cls.identifier, handler)
    return cls


def get_exporter(identifier) -> Exporter:
    """An instance of the exporter registered under `identifier` (UnknownExporter if none)."""
    try:
        return _registry[identifier]()
    except KeyError:
        raise UnknownExporter(f"unknown exporter {identifier!r}") from None


def exporters() -> list[Exporter]:
    """Every registered exporter, by identifier."""
    return [cls() for _, cls in sorted(_registry.items())]


def start_export(identifier, scope_org, params=None, *, actor) -> Job:
    """Queue the export `identifier` of `scope_org` with `params` for `actor` and audit it.

    Raises PermissionDenied without the exporter's capability on `scope_org`, UnknownExporter
    for an unknown identifier, ValueError for parameters the exporter refuses. The job is sent
    to the worker when the surrounding transaction commits."""
    exporter = get_exporter(identifier)
    require(actor, exporter.capability, scope_org)
    params = exporter.clean_params(scope_org, params or {})
    with transaction.atomic():
        job = enqueue_job(owner=actor, kind=identifier, scope_org=scope_org, params=params,
                          title=exporter.job_title(scope_org, params),
                          capability=exporter.download_capability(actor, scope_org, params))
        audit.record(AuditAction.EXPORT, exporter.audit_summary(scope_org, params),
                     actor=actor, exporter=identifier, org=scope_org.pk, job=str(job.uuid),
                     params=params)
    return job
