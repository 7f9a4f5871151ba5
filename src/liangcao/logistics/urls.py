from django.urls import path

from liangcao.logistics import views

urlpatterns = [
    path("shipments/", views.shipment_list, name="shipment-list"),
    path("shipments/export.xlsx", views.shipment_export, name="shipment-export"),
    path("shipments/<int:document_id>/", views.shipment_detail, name="shipment-detail"),
    path("shipments/<int:document_id>/note/", views.delivery_note, name="shipment-note"),
    path("shipments/<int:document_id>/note.pdf", views.delivery_note_pdf, name="shipment-note-pdf"),
    path(
        "shipments/<int:document_id>/<slug:action>/", views.shipment_action, name="shipment-action"
    ),
    path("routes/", views.route_plan_list, name="route-plan-list"),
    path("routes/<int:plan_id>/", views.route_plan_detail, name="route-plan-detail"),
    path("routes/<int:plan_id>/sheets/", views.route_plan_sheets, name="route-plan-sheets"),
    path("routes/<int:plan_id>/<slug:action>/", views.route_plan_action, name="route-plan-action"),
]
