"""URLs of the assessment imports (namespace `assessment`)."""

from assessment.views.imports import ENROLMENT_IMPORT

urlpatterns = [*ENROLMENT_IMPORT.urlpatterns("enrolments/")]
