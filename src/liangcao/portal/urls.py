from django.urls import path, re_path

from liangcao.portal import views

urlpatterns = [
    path("", views.home, name="portal-home"),
    path("verify/", views.verify, name="portal-verify"),
    re_path(
        r"^publications/(?P<day>\d{4}-\d{2}-\d{2})/(?P<filename>[a-z]+\.(?:csv|json))$",
        views.publication_file,
        name="portal-publication-file",
    ),
    path("donations/<str:reference>/", views.donation, name="portal-donation"),
    re_path(r"^(?P<name>[a-z]+)\.(?P<fmt>csv|xlsx)$", views.download, name="portal-download"),
    path("<slug:name>/", views.list_page, name="portal-list"),
]
