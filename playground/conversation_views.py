"""Endpoints on conversations and their messages: list and search, read, rename, delete, export, regenerate the
last reply, edit a message and resend, delete a message, choose among a reply's alternatives; the images sent.

Only the owner reaches a conversation or a message: for anyone else it does not exist (404). Posts need the CSRF
token, as every post does. Errors are JSON: ``{"errors": {field: [message, ...]}}`` for bad input (400),
``{"error": {"type", "message"}}`` otherwise. Regenerate and edit answer as ``api/run/`` does, plus the resent
``message`` id and its ``alternatives`` (every reply to it, superseded ones included, oldest first); with
``?stream=1`` they answer as ``api/stream/`` does.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .conversations import conversation_delete, conversation_rename, message_delete, message_reply_choose
from .exports import conversation_export_json, conversation_export_markdown
from .forms import RenameForm
from .models import Conversation, Message, Role
from .selectors import conversation_get, conversation_list, last_user_message, message_get, message_image_get
from .views import (
    body_data,
    errors_response,
    message_json,
    playground_access,
    run_response,
    stream_response,
    valid_form,
)


def _not_found(message: str) -> JsonResponse:
    return JsonResponse({"error": {"type": "not_found", "message": message}}, status=404)


def _conversation_or_404(request: HttpRequest, conversation_id: Any) -> Conversation | JsonResponse:
    conversation = conversation_get(user=request.user, conversation_id=conversation_id)
    return conversation if conversation is not None else _not_found(_("No such conversation."))


def _message_or_404(request: HttpRequest, message_id: Any) -> Message | JsonResponse:
    message = message_get(user=request.user, message_id=message_id)
    return message if message is not None else _not_found(_("No such message."))


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": str(conversation.pk),
        "title": conversation.title,
        "url": conversation.get_absolute_url(),
        "model": conversation.model,
        "credential": str(conversation.credential_id) if conversation.credential_id else None,
        "updated_at": conversation.updated_at.isoformat(),
    }


@require_GET
@playground_access
def conversations(request: HttpRequest) -> JsonResponse:
    """GET ``?q=``: the user's conversations whose title or messages contain ``q``, most recent first."""
    found = conversation_list(user=request.user, query=request.GET.get("q", ""))
    return JsonResponse({"conversations": [conversation_json(c) for c in found]})


@require_GET
@playground_access
def conversation(request: HttpRequest, conversation_id: str) -> JsonResponse:
    """The conversation, its stored settings and every message, superseded replies included."""
    found = _conversation_or_404(request, conversation_id)
    if isinstance(found, JsonResponse):
        return found
    body = {
        "conversation": {**conversation_json(found), "settings": found.settings},
        "messages": [message_json(m) for m in found.messages.all()],
    }
    return JsonResponse(body)


@require_POST
@playground_access
def rename(request: HttpRequest, conversation_id: str) -> JsonResponse:
    found = _conversation_or_404(request, conversation_id)
    if isinstance(found, JsonResponse):
        return found
    data = body_data(request, RenameForm.base_fields)
    if isinstance(data, JsonResponse):
        return data
    form = RenameForm(data)
    if not form.is_valid():
        return errors_response(form.errors)
    renamed = conversation_rename(conversation=found, title=form.cleaned_data["title"])
    return JsonResponse({"conversation": conversation_json(renamed)})


@require_POST
@playground_access
def delete(request: HttpRequest, conversation_id: str) -> JsonResponse:
    found = _conversation_or_404(request, conversation_id)
    if isinstance(found, JsonResponse):
        return found
    pk = str(found.pk)
    conversation_delete(conversation=found)
    return JsonResponse({"deleted": pk})


def _wants_stream(request: HttpRequest) -> bool:
    return request.GET.get("stream") in {"1", "true"}


@require_POST
@playground_access
def regenerate(request: HttpRequest, conversation_id: str) -> HttpResponseBase:
    """Answer the last user message again with the conversation's settings (the body may change any of them);
    the earlier replies stay as alternatives."""
    found = _conversation_or_404(request, conversation_id)
    if isinstance(found, JsonResponse):
        return found
    question = last_user_message(conversation=found)
    if question is None:
        return errors_response({"conversation": [_("This conversation has no message to answer again.")]})
    form = valid_form(request, conversation=found, resent=question)
    if isinstance(form, JsonResponse):
        return form
    run_request = form.run_request(resend=question)
    return stream_response(request, run_request) if _wants_stream(request) else run_response(run_request)


@require_POST
@playground_access
def edit(request: HttpRequest, message_id: str) -> HttpResponseBase:
    """Give a user message new text (``message``, variables filled in) and answer it again; the messages after
    it are deleted."""
    found = _message_or_404(request, message_id)
    if isinstance(found, JsonResponse):
        return found
    if found.role != Role.USER:
        return errors_response({"message": [_("Only your own messages can be edited.")]})
    form = valid_form(request, conversation=found.conversation, resent=found, edit=True)
    if isinstance(form, JsonResponse):
        return form
    run_request = form.run_request(resend=found, edit=True)
    return stream_response(request, run_request) if _wants_stream(request) else run_response(run_request)


@require_POST
@playground_access
def message_remove(request: HttpRequest, message_id: str) -> JsonResponse:
    """Delete a user message and its replies, or one reply (its latest alternative is shown instead)."""
    found = _message_or_404(request, message_id)
    if isinstance(found, JsonResponse):
        return found
    deleted = message_delete(message=found)
    return JsonResponse({"conversation": str(deleted.conversation.pk), "deleted": list(deleted.message_ids)})


@require_POST
@playground_access
def choose(request: HttpRequest, message_id: str) -> JsonResponse:
    """Show this reply instead of its alternatives; it is the one later turns get as history."""
    found = _message_or_404(request, message_id)
    if isinstance(found, JsonResponse):
        return found
    if found.role != Role.ASSISTANT:
        return errors_response({"message": [_("Only a reply can be chosen among alternatives.")]})
    return JsonResponse({"message": message_json(message_reply_choose(message=found))})


def _own_or_404(request: HttpRequest, conversation_id: str) -> Conversation:
    found = conversation_get(user=request.user, conversation_id=conversation_id)
    if found is None:
        raise Http404(_("No such conversation."))
    return found


def _download(found: Conversation, content: str, extension: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    name = slugify(found.title, allow_unicode=False) or "conversation"
    response["Content-Disposition"] = f'attachment; filename="{name}-{str(found.pk)[:8]}.{extension}"'
    return response


@require_GET
@playground_access
def export_json(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """The conversation as the LLM node's output, one item per reply (``playground.exports``)."""
    found = _own_or_404(request, conversation_id)
    content = json.dumps(conversation_export_json(conversation=found), ensure_ascii=False, indent=2)
    return _download(found, content, "json", "application/json")


@require_GET
@playground_access
def export_markdown(request: HttpRequest, conversation_id: str) -> HttpResponse:
    found = _own_or_404(request, conversation_id)
    return _download(found, conversation_export_markdown(conversation=found), "md", "text/markdown; charset=utf-8")


@require_GET
@playground_access
def exchange(request: HttpRequest, message_id: str) -> JsonResponse:
    """The inspector: the exact request a turn sent and what came back, redacted (kept when the turn asked)."""
    found = _message_or_404(request, message_id)
    if isinstance(found, JsonResponse):
        return found
    if found.exchange is None:
        return _not_found(_("This message has no recorded request; turn on the inspector before sending."))
    return JsonResponse({"message": found.pk, "exchange": found.exchange})


@require_GET
@playground_access
def image(request: HttpRequest, image_id: int) -> HttpResponse:
    """An image sent with a message, for the transcript: only its owner gets it, only as the image it is."""
    found = message_image_get(user=request.user, image_id=image_id)
    if found is None or found.data is None:
        raise Http404(_("No such image."))
    response = HttpResponse(bytes(found.data), content_type=found.media_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=86400"
    return response
