"""Excel downloads of the home page's trend charts."""

from django.urls import path

from ledger.views import trends

urlpatterns = [
    path("<slug:chart>.xlsx", trends.trend_excel, name="trend_excel"),
]
