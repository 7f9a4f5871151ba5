from django.urls import path

from liangcao.community import views

urlpatterns = [
    path("households/", views.household_list, name="community-households"),
    path("households/export.xlsx", views.household_export, name="community-households-export"),
    path("compounds/<int:compound_id>/qr/", views.compound_qr, name="community-compound-qr"),
    path("orders/", views.order_list, name="community-orders"),
    path("care/", views.care, name="community-care"),
    path("runs/<int:run_id>/", views.door_run, name="community-run"),
    path("runs/confirm/", views.run_confirm, name="community-run-confirm"),
    path("group-buys/", views.group_buy_list, name="community-group-buys"),
    path("group-buys/<int:group_buy_id>/", views.group_buy_detail, name="community-group-buy"),
    path("supplier/", views.supplier_portal, name="community-supplier"),
    path("sw.js", views.service_worker, name="community-sw"),
]

resident_urlpatterns = [
    path("<str:token>/", views.resident, name="community-resident"),
]
