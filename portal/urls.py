from django.urls import path
from django.views.generic import RedirectView

app_name = "portal"

# The portal's pages arrive with issue 3; until then the root leads to the admin.
urlpatterns = [
    path("", RedirectView.as_view(url="/admin/"), name="home"),
]
