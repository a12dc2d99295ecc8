from django.urls import path

from . import compare_views, conversation_views, views

app_name = "playground"

urlpatterns = [
    path("", views.index, name="index"),
    path("c/<uuid:conversation_id>/", views.index, name="conversation"),
    path("c/<uuid:conversation_id>/export.json", conversation_views.export_json, name="export_json"),
    path("c/<uuid:conversation_id>/export.md", conversation_views.export_markdown, name="export_markdown"),
    path("compare/", views.compare, name="compare"),
    path("api/compare/stream/", views.compare_stream_view, name="compare_stream"),
    path("api/compare/<uuid:run>/stop/<int:column>/", compare_views.column_stop, name="compare_column_stop"),
    path("api/code/", views.code, name="code"),
    path("api/messages/<int:message_id>/exchange/", conversation_views.exchange, name="message_exchange"),
    path("api/images/<int:image_id>/", conversation_views.image, name="image"),
    path("api/models/", views.models, name="models"),
    path("api/credentials/", views.credentials, name="credentials"),
    path("api/run/", views.run, name="run"),
    path("api/stream/", views.stream, name="stream"),
    path("api/conversations/", conversation_views.conversations, name="conversations"),
    path("api/conversations/<uuid:conversation_id>/", conversation_views.conversation, name="conversation_api"),
    path("api/conversations/<uuid:conversation_id>/rename/", conversation_views.rename, name="rename"),
    path("api/conversations/<uuid:conversation_id>/delete/", conversation_views.delete, name="delete"),
    path("api/conversations/<uuid:conversation_id>/regenerate/", conversation_views.regenerate, name="regenerate"),
    path("api/messages/<int:message_id>/edit/", conversation_views.edit, name="message_edit"),
    path("api/messages/<int:message_id>/delete/", conversation_views.message_remove, name="message_delete"),
    path("api/messages/<int:message_id>/choose/", conversation_views.choose, name="message_choose"),
]
