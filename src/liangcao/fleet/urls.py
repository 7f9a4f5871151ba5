from django.urls import path

from liangcao.fleet import views

urlpatterns = [
    path("vehicles/", views.vehicle_list, name="vehicle-list"),
    path("vehicles/<int:vehicle_id>/", views.vehicle_detail, name="vehicle-detail"),
    path("drivers/", views.driver_list, name="driver-list"),
    path("drivers/<int:driver_id>/", views.driver_detail, name="driver-detail"),
    path("passes/", views.pass_list, name="pass-list"),
    path("passes/<int:pass_id>/", views.pass_detail, name="pass-detail"),
    path("keys/", views.passkey_list, name="passkey-list"),
    path("checkpoint/", views.checkpoint_list, name="checkpoint-list"),
    path("checkpoint/sw.js", views.checkpoint_sw, name="checkpoint-sw"),
    path("checkpoint/<int:site_id>/", views.checkpoint, name="checkpoint"),
    path("stations/", views.station_list, name="station-list"),
    path("stations/<int:site_id>/", views.station_board, name="station-board"),
    path("stations/<int:site_id>/<slug:action>/", views.station_action, name="station-action"),
]
