from django.urls import path

from liangcao.market import views

urlpatterns = [
    path("", views.price_home, name="market-home"),
    path("new/", views.price_new, name="market-new"),
    path("import/", views.price_import, name="market-import"),
    path("template.xlsx", views.price_template, name="market-template"),
    path("chart/", views.price_chart, name="market-chart"),
]
