from django.urls import path

from liangcao.readiness import views

urlpatterns = [
    path("", views.cover, name="readiness-cover"),
    path("dashboard/", views.command_dashboard, name="readiness-dashboard"),
    path("reorder/", views.reorder, name="readiness-reorder"),
    path("reorder.xlsx", views.reorder_export, name="readiness-reorder-export"),
    path("levels/", views.levels, name="readiness-levels"),
    path("switch/", views.switch, name="readiness-switch"),
    path("switch/<int:run_id>/", views.switch_run, name="readiness-switch-run"),
    path("switch/<int:run_id>/done/", views.switch_step_done, name="readiness-switch-done"),
    path("notifications/", views.notifications, name="readiness-notifications"),
]
