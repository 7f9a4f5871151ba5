from django.contrib.auth import views as auth_views
from django.urls import path

from liangcao.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("nodes/", views.node_list, name="node-list"),
    path("nodes/<int:node_id>/", views.node_detail, name="node-detail"),
    path("sites/", views.site_list, name="site-list"),
    path("sites/export.xlsx", views.site_export, name="site-export"),
    path("sites/<int:site_id>/", views.site_detail, name="site-detail"),
    path("catalog/", views.item_list, name="item-list"),
    path("catalog/items/<int:item_id>/", views.item_detail, name="item-detail"),
    path("catalog/kits/", views.kit_list, name="kit-list"),
    path("catalog/kits/<int:kit_id>/", views.kit_detail, name="kit-detail"),
    path("catalog/export.xlsx", views.catalog_export, name="catalog-export"),
    path("catalog/import/", views.catalog_import, name="catalog-import"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
