"""Playground pages and endpoints. Thin: validate with the form, call one service, present the result."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from functools import wraps
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .forms import (
    CompareForm,
    JsonBodyError,
    PlaygroundForm,
    chat_credentials,
    llm_models,
    llm_models_for,
    playground_json_data,
)
from .selectors import conversation_get, conversation_list, conversation_messages, parse_uuid
from .services import compare_run, playground_run, playground_stream

View = Callable[..., HttpResponseBase]


def can_use_playground(user: Any) -> bool:
    return bool(user.is_active and (user.is_staff or user.has_perm("playground.use_playground")))


def playground_access(view: View) -> View:
    """Logged-in users with ``playground.use_playground`` (staff have it). Others get a 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_use_playground(request.user):
            message = _("You do not have access to the playground. Ask an admin for the permission.")
            if request.path.startswith(reverse("playground:index") + "api/"):
                return JsonResponse({"error": {"type": "permission", "message": message}}, status=403)
            return render(request, "playground/forbidden.html", {"message": message}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _urls() -> dict[str, str]:
    return {
        "run": reverse("playground:run"),
        "stream": reverse("playground:stream"),
        "models": reverse("playground:models"),
        "new": reverse("playground:index"),
    }


@require_GET
@playground_access
def index(request: HttpRequest, conversation_id: str | None = None) -> HttpResponse:
    conversation = None
    if conversation_id is not None:
        conversation = conversation_get(user=request.user, conversation_id=conversation_id)
        if conversation is None:
            return render(request, "playground/forbidden.html", {"message": _("No such conversation.")}, status=404)
    initial: dict[str, Any] = {"conversation": str(conversation.pk) if conversation else ""}
    if conversation is not None and conversation.credential_id:
        initial.update(credential=conversation.credential_id, model=conversation.model, model_name="")
    context = {
        "form": PlaygroundForm(user=request.user, initial=initial),
        "conversations": conversation_list(user=request.user),
        "conversation": conversation,
        "messages": conversation_messages(conversation=conversation) if conversation else [],
        "urls": _urls(),
    }
    return render(request, "playground/index.html", context)


@require_GET
@playground_access
def models(request: HttpRequest) -> JsonResponse:
    pk = parse_uuid(request.GET.get("credential"))
    credential = chat_credentials().filter(pk=pk).first() if pk else None
    if credential is None:
        return JsonResponse({"error": {"type": "bad_request", "message": _("Unknown credential.")}}, status=400)
    return JsonResponse(
        {
            "models": [
                {
                    "name": m.name,
                    "display_name": m.display_name or m.name,
                    "context_window": m.context_window,
                    **m.parameter_rules(),
                }
                for m in llm_models(credential)
            ]
        }
    )


def _valid_form(request: HttpRequest) -> PlaygroundForm | JsonResponse:
    """The valid form from a form-encoded post (the page) or a JSON post (scripts); else a 400 naming the fields.

    Bodies over the size limit never get here (``config.middleware.RequestBodyLimitMiddleware``).
    """
    as_json = request.content_type == "application/json"
    try:
        data = playground_json_data(request.body) if as_json else request.POST
    except JsonBodyError as exc:
        return _errors(exc.errors)
    form = PlaygroundForm(data, None if as_json else request.FILES, user=request.user)
    return form if form.is_valid() else _errors(form.errors)


def _errors(errors: Mapping[str, Any]) -> JsonResponse:
    return JsonResponse(
        {"errors": {field: [str(m) for m in messages] for field, messages in errors.items()}}, status=400
    )


@require_POST
@playground_access
def run(request: HttpRequest) -> JsonResponse:
    form = _valid_form(request)
    if isinstance(form, JsonResponse):
        return form
    result = playground_run(form.run_request())
    body = {"conversation": str(result.conversation.pk), "output": result.output, "error": result.error}
    return JsonResponse(body, status=502 if result.output is None else 200)


def _sse(events: Iterator[tuple[str, dict[str, Any]]]) -> Iterator[str]:
    for event, data in events:
        yield f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _as_async(chunks: Iterator[str]) -> AsyncIterator[str]:
    """Serve a synchronous stream under ASGI one chunk at a time.

    Django would otherwise read a synchronous iterator to the end before sending anything. Each step runs in
    the thread the view ran in (the ORM's), and a client that goes away closes the stream, which records it.
    """

    def advance() -> str | None:
        return next(chunks, None)

    step = sync_to_async(advance, thread_sensitive=True)
    try:
        while (chunk := await step()) is not None:
            yield chunk
    finally:
        await sync_to_async(getattr(chunks, "close", lambda: None), thread_sensitive=True)()


def streaming_body(request: HttpRequest, chunks: Iterator[str]) -> Iterator[str] | AsyncIterator[str]:
    return _as_async(chunks) if isinstance(request, ASGIRequest) else chunks


@require_POST
@playground_access
def stream(request: HttpRequest) -> HttpResponseBase:
    form = _valid_form(request)
    if isinstance(form, JsonResponse):
        return form
    chunks = _sse(playground_stream(form.run_request()))
    response = StreamingHttpResponse(streaming_body(request, chunks), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # let proxies pass each event through at once
    return response


class PlaygroundLoginView(LoginView):
    """Django's login page, in the admin's look, for everyone (not only staff)."""

    template_name = "admin/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            site_header="ModelDesk", site_title="ModelDesk", title=_("Log in"), app_path=self.request.get_full_path()
        )
        return context


@playground_access
def compare(request: HttpRequest) -> HttpResponse:
    """Up to four models side by side. The calls run as a Celery group (in parallel on real workers)."""
    form = CompareForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = compare_run(
            user=request.user,
            targets=form.cleaned_data["targets"],
            system=form.cleaned_data.get("system") or "",
            message=form.cleaned_data["message"],
            max_tokens=form.cleaned_data.get("max_tokens"),
        )
    model_names = sorted(set(llm_models_for(chat_credentials()).values_list("name", flat=True)))
    context = {"form": form, "results": results, "model_names": model_names}
    return render(request, "playground/compare.html", context, status=400 if form.errors else 200)
