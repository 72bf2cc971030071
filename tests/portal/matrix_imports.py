"""The org and people imports' job page: only the county admin may import (403 for the others,
before the job is looked up); the job is the importer's own (404 for another importer's)."""

from tests.permission_matrix import Case


def import_job_of(persona, kind="import_people_preview"):
    def build(env):
        from portal.models import Job

        job = Job.objects.create(owner=env.user(persona), scope_org=env.tree.county, kind=kind,
                                 title="导入人员（校验）：p.xlsx",
                                 params={"what": "people", "step": "preview"})
        return ["people", job.uuid]
    return build


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    Case("portal:transfer_job", "county_admin's preview",
         (302, 200, 403, 403, 403, 403, 403, 403, 403), import_job_of("county_admin")),
    Case("portal:transfer_job", "leader's job", (302, 404, 403, 403, 403, 403, 403, 403, 403),
         import_job_of("leader")),
]
