"""Excel download of the home page's 需求认领趋势 chart."""

from django.urls import path

from pairing.views import trends

urlpatterns = [
    path("needs.xlsx", trends.needs_trend_excel, name="needs_trend_excel"),
]
