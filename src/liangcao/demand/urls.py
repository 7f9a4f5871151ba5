from django.urls import path

from liangcao.demand import views

urlpatterns = [
    path("", views.requisition_list, name="demand-list"),
    path("export.xlsx", views.requisition_export, name="demand-export"),
    path("inbox/", views.inbox, name="demand-inbox"),
    path("new/", views.requisition_new, name="demand-new"),
    path("template.xlsx", views.template_download, name="demand-template"),
    path("<int:requisition_id>/", views.requisition_detail, name="demand-detail"),
    path("<int:requisition_id>/<slug:action>/", views.requisition_action, name="demand-action"),
]
