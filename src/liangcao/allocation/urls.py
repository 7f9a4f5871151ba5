from django.urls import path

from liangcao.allocation import views

urlpatterns = [
    path("", views.workbench, name="allocation-workbench"),
    path("runs/<int:run_id>/", views.run_detail, name="allocation-run"),
    path("runs/<int:run_id>/export.xlsx", views.run_export, name="allocation-run-export"),
    path("runs/<int:run_id>/<slug:action>/", views.run_action, name="allocation-run-action"),
]
