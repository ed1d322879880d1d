from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("<str:domain>/<slug:slug>/", views.receive, name="receive"),
    path("thanks/", views.thanks, name="thanks"),
]
