"""URL map: the web pages, the API under /api/v1/, the admin and the language switch."""

from django.contrib import admin
from django.urls import include, path

from liangcao.community.urls import resident_urlpatterns
from liangcao.config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("stock/", include("liangcao.stock.urls")),
    path("demand/", include("liangcao.demand.urls")),
    path("logistics/", include("liangcao.logistics.urls")),
    path("allocation/", include("liangcao.allocation.urls")),
    path("signin/", include("liangcao.signin.urls")),
    path("masterdata/", include("liangcao.masterdata.urls")),
    path("donations/", include("liangcao.donations.urls")),
    path("public/", include("liangcao.portal.urls")),
    path("fleet/", include("liangcao.fleet.urls")),
    path("community/", include("liangcao.community.urls")),
    path("c/", include(resident_urlpatterns)),
    path("readiness/", include("liangcao.readiness.urls")),
    path("reports/", include("liangcao.reports.urls")),
    path("market/", include("liangcao.market.urls")),
    path("", include("liangcao.web.urls")),
]
