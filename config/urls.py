from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from playground.views import PlaygroundLoginView

admin.site.site_header = "ModelDesk"
admin.site.site_title = "ModelDesk"
admin.site.index_title = admin.site.site_header
# The catalog pages are wide tables; the sidebar would squeeze them.
admin.site.enable_nav_sidebar = False
admin.site.site_url = "/playground/"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="playground:index", permanent=False)),
    path("accounts/login/", PlaygroundLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("playground/", include("playground.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
