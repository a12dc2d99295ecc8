from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "ModelDesk"
admin.site.site_title = "ModelDesk"
admin.site.index_title = admin.site.site_header
# The catalog pages are wide tables; the sidebar would squeeze them.
admin.site.enable_nav_sidebar = False
# No public site yet: the playground will take "View site" over.
admin.site.site_url = None

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
