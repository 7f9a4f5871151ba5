from django.urls import path

from liangcao.masterdata import views

urlpatterns = [
    path("", views.home, name="masterdata-home"),
    path("templates/<str:kind>.xlsx", views.template, name="masterdata-template"),
    path("import/<str:kind>/", views.import_sheet, name="masterdata-import"),
    path("nodes/<int:node_id>/edit/", views.node_edit, name="masterdata-node-edit"),
    path("sites/<int:site_id>/edit/", views.site_edit, name="masterdata-site-edit"),
    path("roles/", views.roles, name="masterdata-roles"),
    path("roles/<int:membership_id>/revoke/", views.role_revoke, name="masterdata-role-revoke"),
]
