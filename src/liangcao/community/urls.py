from django.urls import path

from liangcao.community import views

urlpatterns = [
    path("households/", views.household_list, name="community-households"),
    path("households/export.xlsx", views.household_export, name="community-households-export"),
    path("compounds/<int:compound_id>/qr/", views.compound_qr, name="community-compound-qr"),
    path("orders/", views.order_list, name="community-orders"),
    path("care/", views.care, name="community-care"),
    path("runs/<int:run_id>/", views.door_run, name="community-run"),
    path("sw.js", views.service_worker, name="community-sw"),
]

resident_urlpatterns = [
    path("<str:token>/", views.resident, name="community-resident"),
]
