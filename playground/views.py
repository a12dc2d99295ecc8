"""Playground pages and endpoints. Thin: validate with the form, call one service, present the result."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from access.services import refusal_of
from calls.snippets import GATEWAY_KEY_ENV
from core.errors import ModelDeskError
from core.streams import iterate_in_thread

from .compare_forms import CompareForm, CompareRequestError, compare_columns
from .forms import (
    TEXT_MAX_CHARS,
    JsonBodyError,
    PlaygroundForm,
    chat_credentials,
    completed_data,
    credential_label,
    llm_models,
    llm_models_for,
    playground_json_data,
    settings_initial,
)
from .live_compare import CompareColumn, compare_stream
from .models import Conversation, Message
from .selectors import (
    PICKER_LIMIT_MAX,
    PICKER_PAGE,
    SEARCH_MAX_CHARS,
    Page,
    conversation_get,
    conversation_latest,
    conversation_list,
    conversation_messages,
    credential_healthy,
    credential_page,
    message_replies,
    model_page,
    parse_uuid,
)
from .services import RunRequest, RunResult, compare_run, playground_run, playground_stream, run_code

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


ZERO_ID = "00000000-0000-0000-0000-000000000000"


def _urls() -> dict[str, str]:
    return {
        "run": reverse("playground:run"),
        "stream": reverse("playground:stream"),
        "models": reverse("playground:models"),
        "credentials": reverse("playground:credentials"),
        "new": reverse("playground:index"),
        "code": reverse("playground:code"),
        "conversations": reverse("playground:conversations"),
        # Patterns with a zero id (conversations) or 0 (messages), which the scripts replace.
        "conversation": reverse("playground:conversation_api", args=[ZERO_ID]),
        "rename": reverse("playground:rename", args=[ZERO_ID]),
        "delete": reverse("playground:delete", args=[ZERO_ID]),
        "regenerate": reverse("playground:regenerate", args=[ZERO_ID]),
        "exportJson": reverse("playground:export_json", args=[ZERO_ID]),
        "exportMarkdown": reverse("playground:export_markdown", args=[ZERO_ID]),
        "messageEdit": reverse("playground:message_edit", args=[0]),
        "messageDelete": reverse("playground:message_delete", args=[0]),
        "messageChoose": reverse("playground:message_choose", args=[0]),
        "messageExchange": reverse("playground:message_exchange", args=[0]),
    }


def _initial(user: Any, conversation: Conversation | None) -> dict[str, Any]:
    """The form's start: the conversation's own settings, credential and model; for a new conversation, those of
    the user's last one, but never a credential that is failing or needs re-entry (the form picks a healthy one).

    A reopened conversation keeps its own credential whatever its status (the select shows it), so that it never
    moves to another provider unasked.
    """
    source = conversation or conversation_latest(user=user)
    initial: dict[str, Any] = {"conversation": str(conversation.pk) if conversation else ""}
    if source is None:
        return initial
    initial.update(settings_initial(source))
    credential = source.credential
    usable = credential is not None and chat_credentials(user).filter(pk=credential.pk).exists()
    if credential is not None and usable and (conversation is not None or credential_healthy(credential)):
        initial.update(credential=credential.pk, model=source.model, model_name="")
    return initial


@require_GET
@playground_access
def index(request: HttpRequest, conversation_id: str | None = None) -> HttpResponse:
    conversation = None
    if conversation_id is not None:
        conversation = conversation_get(user=request.user, conversation_id=conversation_id)
        if conversation is None:
            return render(request, "playground/forbidden.html", {"message": _("No such conversation.")}, status=404)
    query = request.GET.get("q", "")
    messages = list(conversation_messages(conversation=conversation)) if conversation else []
    context = {
        "form": PlaygroundForm(user=request.user, initial=_initial(request.user, conversation)),
        "conversations": conversation_list(user=request.user, query=query),
        "query": query,
        "conversation": conversation,
        "messages": messages,
        # The stored replies' calls, for their badges (the markup of a message is the same stored or live).
        "calls": {m.pk: m.call_summary() for m in messages if m.role == "assistant"},
        "urls": _urls(),
    }
    return render(request, "playground/index.html", context)


# The largest offset a cursor may name: far past any list a picker shows, and a number every database takes.
CURSOR_MAX = 1_000_000


def picker_search(request: HttpRequest) -> tuple[str, int, int] | JsonResponse:
    """The search of a picker endpoint: ``q`` (text the name contains, any case), ``limit`` (1 to 100, 50 when
    absent) and ``cursor`` (the ``next`` of the page before); a 400 naming the parameter when one is bad."""
    query, errors = request.GET.get("q", "").strip(), {}
    if len(query) > SEARCH_MAX_CHARS:
        errors["q"] = [_("Search for at most %(count)d characters.") % {"count": SEARCH_MAX_CHARS}]
    elif "\0" in query:  # PostgreSQL refuses one in any text (a 500, not a search)
        errors["q"] = [_("The search cannot contain a null character.")]
    limit = _whole_number(request.GET.get("limit"), default=PICKER_PAGE, highest=PICKER_LIMIT_MAX)
    if limit is None or limit < 1:
        errors["limit"] = [_("limit must be a whole number from 1 to %(count)d.") % {"count": PICKER_LIMIT_MAX}]
    cursor = _whole_number(request.GET.get("cursor"), default=0, highest=CURSOR_MAX)
    if cursor is None:
        errors["cursor"] = [_("cursor must be the “next” value of an earlier page.")]
    if errors or limit is None or cursor is None:
        return errors_response(errors)
    return query, cursor, limit


def _whole_number(raw: str | None, *, default: int, highest: int) -> int | None:
    if raw is None or raw == "":
        return default
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) <= highest else None


def page_json(key: str, page: Page, item: Callable[[Any], dict[str, Any]]) -> JsonResponse:
    return JsonResponse({key: [item(i) for i in page.items], "next": None if page.next is None else str(page.next)})


def model_json(model: Any) -> dict[str, Any]:
    return {
        "name": model.name,
        "display_name": model.display_name or model.name,
        "context_window": model.context_window,
        **model.parameter_rules(),
    }


def credential_json(credential: Any) -> dict[str, Any]:
    return {
        "id": str(credential.pk),
        "name": credential.name,
        "label": credential_label(credential),
        "provider": str(credential.provider),
        "healthy": credential_healthy(credential),
    }


@require_GET
@playground_access
def credentials(request: HttpRequest) -> JsonResponse:
    """A page of the enabled credentials that can chat, working ones first (``selectors.credential_page``):
    ``{"credentials": [{"id", "name", "label", "provider", "healthy"}], "next"}``; ``q``, ``limit`` and ``cursor``
    as ``picker_search`` reads them."""
    search = picker_search(request)
    if isinstance(search, JsonResponse):
        return search
    query, cursor, limit = search
    page = credential_page(chat_credentials(request.user), query=query, offset=cursor, limit=limit)
    return page_json("credentials", page, credential_json)


@require_GET
@playground_access
def models(request: HttpRequest) -> JsonResponse:
    """A page of the llm models the ``credential`` can serve, by name (``selectors.model_page``), each with its
    parameter rules: ``{"models": [...], "next"}``; ``q``, ``limit`` and ``cursor`` as ``picker_search`` reads
    them. A credential that is unknown, disabled or cannot chat is a 400."""
    pk = parse_uuid(request.GET.get("credential"))
    credential = chat_credentials(request.user).filter(pk=pk).first() if pk else None
    if credential is None:
        return JsonResponse({"error": {"type": "bad_request", "message": _("Unknown credential.")}}, status=400)
    search = picker_search(request)
    if isinstance(search, JsonResponse):
        return search
    query, cursor, limit = search
    page = model_page(llm_models(credential, request.user), query=query, offset=cursor, limit=limit)
    return page_json("models", page, model_json)


def body_data(request: HttpRequest, fields: Any = None) -> QueryDict | JsonResponse:
    """The posted fields, from a form-encoded body or a JSON object; a 400 naming the field when it is bad."""
    if request.content_type != "application/json":
        return request.POST
    try:
        return playground_json_data(request.body, fields)
    except JsonBodyError as exc:
        return errors_response(exc.errors)


def valid_form(
    request: HttpRequest,
    *,
    conversation: Conversation | None = None,
    resent: Message | None = None,
    edit: bool = False,
) -> PlaygroundForm | JsonResponse:
    """The valid form from a form-encoded post (the page) or a JSON post (scripts); else a 400 naming the fields.

    A post that is not the page's whole form is completed from its conversation's stored settings
    (``forms.completed_data``). ``resent`` is a stored message to answer again: as it is, or, with ``edit``,
    with the posted message. Bodies over the size limit never get here
    (``core.bodies.RequestBodyLimitMiddleware``).
    """
    data = body_data(request)
    if isinstance(data, JsonResponse):
        return data
    whole_form = request.content_type != "application/json" and "credential" in data
    if conversation is None and not whole_form:
        conversation = conversation_get(user=request.user, conversation_id=data.get("conversation"))
    data = completed_data(data, conversation, whole_form=whole_form).copy()
    if whole_form:
        data["title"] = "on"  # the page's new conversations are named by a model; a script's when it asks
    if resent is not None:
        data["conversation"] = str(resent.conversation_id)
        if not edit:
            data["message"] = resent.content
    files = request.FILES if request.content_type != "application/json" and not resent else None
    form = PlaygroundForm(data, files, user=request.user, render_message=resent is None or edit)
    if not form.is_valid():
        return errors_response(form.errors)
    refused = refusal_response(request.user, [(form.cleaned_data["credential"], form.cleaned_data["model_name"])])
    return refused or form


def refusal_response(user: Any, targets: Iterable[tuple[Any, str]]) -> JsonResponse | None:
    """``access.services.refusal_of`` as a 403 (no grant) or a 429 (a quota used up) naming what is missing."""
    refusal = refusal_of(user, targets)
    if refusal is None:
        return None
    body = {"type": refusal.error_type, "message": refusal.user_message(), **refusal.facts}
    return JsonResponse({"error": body}, status=refusal.status)


def errors_response(errors: Mapping[str, Any]) -> JsonResponse:
    return JsonResponse(
        {"errors": {field: [str(m) for m in messages] for field, messages in errors.items()}}, status=400
    )


@require_POST
@playground_access
def run(request: HttpRequest) -> JsonResponse:
    form = valid_form(request)
    if isinstance(form, JsonResponse):
        return form
    return run_response(form.run_request())


def message_json(message: Message) -> dict[str, Any]:
    """A stored message for scripts and the page's actions."""
    return {
        "id": message.pk,
        "role": message.role,
        "content": message.content,
        "error": message.error,
        "stopped": message.stopped,
        "superseded": message.superseded,
        "model": message.model,
        "tokens_in": message.tokens_in,
        "tokens_out": message.tokens_out,
        "latency_ms": message.latency_ms,
        "call": message.call_summary() if message.role == "assistant" else None,  # as a run's output item has it
        "created_at": message.created_at.isoformat(),
    }


def run_response(run_request: RunRequest) -> JsonResponse:
    return run_json(run_request, playground_run(run_request))


def run_json(run_request: RunRequest, result: RunResult) -> JsonResponse:
    """A run's answer: the output (a 502 when the call failed and there is none), and for a resent message
    its alternatives."""
    body: dict[str, Any] = {"conversation": str(result.conversation.pk), "output": result.output, "error": result.error}
    if run_request.resend is not None:
        resent = run_request.resend
        body.update(message=resent.pk, alternatives=[message_json(r) for r in message_replies(message=resent)])
    return JsonResponse(body, status=502 if result.output is None else 200)


def _sse(events: Iterator[tuple[str, dict[str, Any]]]) -> Iterator[str]:
    """Server-sent events; a ``tick`` is a comment, which readers skip (writing it finds a reader gone away)."""
    for event, data in events:
        if event == "tick":
            yield ": keep-alive\n\n"
        else:
            yield f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def streaming_body(request: HttpRequest, chunks: Iterator[str]) -> Iterator[str] | AsyncIterator[str]:
    return iterate_in_thread(chunks) if isinstance(request, ASGIRequest) else chunks


@require_POST
@playground_access
def stream(request: HttpRequest) -> HttpResponseBase:
    form = valid_form(request)
    if isinstance(form, JsonResponse):
        return form
    return stream_response(request, form.run_request())


def stream_response(request: HttpRequest, run_request: RunRequest) -> StreamingHttpResponse:
    chunks = _sse(playground_stream(run_request))
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


@require_POST
@playground_access
def code(request: HttpRequest) -> JsonResponse:
    """ "View code" for the form's turn: curl, Python, ``manage.py chat`` and ModelDesk's /v1; secrets as
    environment variables."""
    form = valid_form(request)
    if isinstance(form, JsonResponse):
        return form
    try:
        snippets = run_code(form.run_request(), gateway_url=request.build_absolute_uri("/v1"))
    except ModelDeskError as error:
        return JsonResponse({"error": {"type": error.error_type, "message": error.user_message()}}, status=400)
    return JsonResponse(
        {
            "curl": snippets.curl,
            "python": snippets.python,
            "command": snippets.command,
            "gateway": snippets.gateway,
            "env": list(snippets.env),
            "gateway_env": [GATEWAY_KEY_ENV],
        }
    )


@require_POST
@playground_access
def compare_stream_view(request: HttpRequest) -> HttpResponseBase:
    """Live compare: the columns stream side by side, all at once (``playground.live_compare``), as server-sent
    events ``start`` (with the ``run`` id that ``compare_views.column_stop`` takes), then ``reasoning`` /
    ``delta`` / ``done`` / ``error`` / ``stopped`` with their ``column``, then ``end``."""
    if request.content_type == "application/json" and _has_columns(request.body):
        prepared = _json_compare(request)
    else:
        prepared = _form_compare(request)
    if isinstance(prepared, JsonResponse):
        return prepared
    columns, system, message = prepared
    events = compare_stream(user=request.user, columns=columns, system=system, message=message)
    response = StreamingHttpResponse(streaming_body(request, _sse(events)), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _has_columns(body: bytes) -> bool:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return False
    return isinstance(payload, dict) and "columns" in payload


CompareRun = tuple[list[CompareColumn], str, str]


def _form_compare(request: HttpRequest) -> CompareRun | JsonResponse:
    """The compare page's form: up to four credential/model pairs, each with its own parameters, no history."""
    data = body_data(request, CompareForm(user=request.user).fields)
    if isinstance(data, JsonResponse):
        return data
    form = CompareForm(data, user=request.user)
    if not form.is_valid():
        return errors_response(form.errors)
    columns = form.columns()
    refused = refusal_response(request.user, [(c.credential, c.model) for c in columns])
    return refused or (columns, form.cleaned_data.get("system") or "", form.cleaned_data["message"])


def _json_compare(request: HttpRequest) -> CompareRun | JsonResponse:
    """A JSON body with ``columns`` (each with its own parameters and history): a follow-up to every column."""
    payload = json.loads(request.body)
    message, system = payload.get("message"), payload.get("system", "")
    errors: dict[str, list[str]] = {}
    if not isinstance(message, str) or not message.strip() or len(message) > TEXT_MAX_CHARS:
        errors["message"] = [_("Write a message first.")]
    if not isinstance(system, str) or len(system) > TEXT_MAX_CHARS:
        errors["system"] = [_("The system message is text of at most 100,000 characters.")]
    try:
        columns = compare_columns(payload)
    except CompareRequestError as exc:
        errors.update(exc.errors)
    if errors:
        return errors_response(errors)
    refused = refusal_response(request.user, [(c.credential, c.model) for c in columns])
    return refused or (columns, system, message)


@playground_access
def compare(request: HttpRequest) -> HttpResponse:
    """Up to four models side by side. The calls run as a Celery group (in parallel on real workers)."""
    form = CompareForm(request.POST or None, user=request.user)
    results = None
    refusal = (
        refusal_of(request.user, form.cleaned_data["targets"]) if request.method == "POST" and form.is_valid() else None
    )
    if refusal is not None:
        form.add_error(None, refusal.user_message())
    elif request.method == "POST" and form.is_valid():
        results = compare_run(
            user=request.user,
            targets=form.cleaned_data["targets"],
            system=form.cleaned_data.get("system") or "",
            message=form.cleaned_data["message"],
            samplings=form.cleaned_data["samplings"],
        )
    # The suggestions before a slot has a credential: a first page (compare.js asks for each slot's own).
    names = llm_models_for(chat_credentials(request.user)).order_by("name").values_list("name", flat=True).distinct()
    model_names = list(names[:PICKER_PAGE])
    context = {"form": form, "results": results, "model_names": model_names}
    return render(request, "playground/compare.html", context, status=400 if form.errors else 200)
