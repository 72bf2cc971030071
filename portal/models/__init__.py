"""Core models: the organization tree, people, roles, jobs and the audit log."""

from .audit import AuditEvent
from .jobs import GeneratedFile, Job
from .orgs import Organization, TownshipOrgTally
from .people import OrgPeopleTally, Person
from .roles import Role, RoleAssignment

__all__ = [
    "AuditEvent",
    "GeneratedFile",
    "Job",
    "OrgPeopleTally",
    "Organization",
    "Person",
    "Role",
    "RoleAssignment",
    "TownshipOrgTally",
]
