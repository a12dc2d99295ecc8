from django.urls import path

from . import views

app_name = "playground"

urlpatterns = [
    path("", views.index, name="index"),
    path("c/<uuid:conversation_id>/", views.index, name="conversation"),
    path("compare/", views.compare, name="compare"),
    path("api/models/", views.models, name="models"),
    path("api/run/", views.run, name="run"),
    path("api/stream/", views.stream, name="stream"),
]
