from django.urls import path

from liangcao.signin import views

urlpatterns = [
    path("setup/", views.setup, name="signin-setup"),
    path("verify/", views.verify, name="signin-verify"),
]
