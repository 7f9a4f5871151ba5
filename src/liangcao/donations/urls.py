from django.urls import path

from liangcao.donations import views

urlpatterns = [
    path("", views.donation_list, name="donation-list"),
    path("new/", views.donation_new, name="donation-new"),
    path("<int:donation_id>/", views.donation_detail, name="donation-detail"),
    path("<int:donation_id>/certificate/", views.certificate_view, name="donation-certificate"),
    path(
        "<int:donation_id>/certificate.pdf", views.certificate_pdf, name="donation-certificate-pdf"
    ),
    path("<int:donation_id>/<slug:action>/", views.donation_action, name="donation-action"),
]
