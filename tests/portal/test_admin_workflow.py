"""Django admin cannot move a workflow's state past its services (rules, locks, audit)."""

import pytest
from django.contrib import admin

from ledger.models import Activity
from pairing.models import AnnualAgreement, Claim, Pairing
from portal.workflow import Workflow


@pytest.mark.parametrize("model", [Activity, AnnualAgreement, Claim, Pairing])
def test_state_fields_are_read_only_in_admin(model, rf, db):
    model_admin = admin.site._registry[model]
    readonly = set(model_admin.get_readonly_fields(rf.get("/"), model()))
    workflow = model.workflow
    assert isinstance(workflow, Workflow) and workflow.status_field in readonly
    assert {f.name for f in model._meta.fields if f.name.endswith("_by")} <= readonly
