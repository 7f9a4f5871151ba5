from django.urls import path

from liangcao.stock import views

urlpatterns = [
    path("", views.overview, name="stock-overview"),
    path("export.xlsx", views.overview_export, name="stock-overview-export"),
    path("card/", views.card, name="stock-card"),
    path("card/export.xlsx", views.card_export, name="stock-card-export"),
    path("lots/<int:lot_id>/", views.lot_trace, name="stock-lot-trace"),
    path("lots/<int:lot_id>/export.xlsx", views.lot_trace_export, name="stock-lot-trace-export"),
    path("documents/<int:document_id>/", views.document_detail, name="stock-document"),
    path("receive/", views.receive, name="stock-receive"),
    path("counts/new/", views.count_open, name="stock-count-open"),
    path("counts/<int:sheet_id>/", views.count_sheet, name="stock-count"),
    path("counts/<int:sheet_id>/post/", views.count_post, name="stock-count-post"),
    path("counts/<int:sheet_id>/export.xlsx", views.count_export, name="stock-count-export"),
]
