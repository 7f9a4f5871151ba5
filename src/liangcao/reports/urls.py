from django.urls import path

from liangcao.reports import views

urlpatterns = [
    path("", views.report_list, name="report-list"),
    path("<int:report_id>/", views.report_detail, name="report-detail"),
    path("<int:report_id>.xlsx", views.report_export, name="report-export"),
    path("<int:report_id>.pdf", views.report_pdf, name="report-pdf"),
]
