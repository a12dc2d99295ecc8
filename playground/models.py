"""Playground conversations and their messages, stored per user so history survives restarts."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .outputs import cost_json, usage_json

# Titles are cut to this many characters: the first message at first, then the generated name.
TITLE_LENGTH = 60


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("user")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    # The last credential and model used, so that continuing the conversation starts from them.
    credential = models.ForeignKey(
        "credentials.Credential",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("credential"),
    )
    model = models.CharField(_("model"), max_length=200, blank=True)
    # Every other setting of the last turn, as the playground form's field names and values (JSON-safe: text,
    # numbers, booleans, null), so that reopening the conversation restores them: see ``playground.forms``.
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    # The turn whose reply is streaming now, if one is (``playground.inflight``): a newer turn takes its place,
    # and the older one, seeing that, stops and stores its part before the newer one stores anything.
    streaming = models.CharField(_("streaming turn"), max_length=80, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        permissions = [("use_playground", _("Can use the playground"))]

    def __str__(self) -> str:
        return self.title or str(_("New conversation"))

    def get_absolute_url(self) -> str:
        return reverse("playground:conversation", args=[self.pk])


def image_note(label: str) -> str:
    """What a message's text says of an image sent with it: the model reads it in later history."""
    return f"[image: {label}]" if label else "[image]"


def with_image_notes(text: str, labels: list[str]) -> str:
    notes = " ".join(image_note(label) for label in labels)
    return f"{text}\n\n{notes}" if notes else text


class Role(models.TextChoices):
    SYSTEM = "system", _("system")
    USER = "user", _("user")
    ASSISTANT = "assistant", _("assistant")


class Message(models.Model):
    """One turn. A user message whose call failed keeps its text and the error, and has no reply.

    A reply is ``stopped`` when its reader went away mid-stream (Stop, a closed tab): it holds the part received.
    A reply is ``superseded`` when it was regenerated: it is kept as an alternative, but is neither shown in the
    transcript nor sent back as history. A user message's replies are the assistant messages that follow it up
    to the next user message; at most one of them is not superseded.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    content = models.TextField(_("content"))
    error = models.TextField(_("error"), blank=True)
    stopped = models.BooleanField(_("stopped"), default=False)
    superseded = models.BooleanField(_("superseded"), default=False)
    model = models.CharField(_("model"), max_length=200, blank=True)
    tokens_in = models.PositiveIntegerField(_("tokens in"), null=True, blank=True)
    tokens_out = models.PositiveIntegerField(_("tokens out"), null=True, blank=True)
    # The message's own size in tokens, as history sent back later costs it: the provider's count of a reply's
    # answer where it reported one, else ModelDesk's estimate, made once when the message is written.
    tokens = models.PositiveIntegerField(_("tokens"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    # A reply's call, as the page's badges show it again when the conversation is reopened.
    ttft_ms = models.PositiveIntegerField(_("time to first token (ms)"), null=True, blank=True)
    tokens_estimated = models.BooleanField(_("tokens estimated"), default=False)
    finish_reason = models.CharField(_("finish reason"), max_length=32, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=8, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    # The call's exact request and response, redacted (``wire.exchange``), when the turn asked for the inspector.
    exchange = models.JSONField(_("request and response"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["conversation", "-created_at"], name="pg_message_recent")]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:40]}"

    def shown_text(self) -> str:
        """The text as the transcript shows it: without the images' notes, as the images themselves show."""
        labels = [image.name for image in self.images.all()]
        noted = with_image_notes("", labels)
        return self.content.removesuffix(noted) if labels else self.content

    def call_summary(self) -> dict[str, Any]:
        """A reply's call in the shape of a run's output item (usage, latency, ttft, cost, finish reason): what
        the page's badges read, for a stored reply as for a live one."""
        return {
            "usage": usage_json(self.tokens_in, self.tokens_out, estimated=self.tokens_estimated),
            "latency_ms": self.latency_ms,
            "ttft_ms": self.ttft_ms,
            "cost": cost_json(self.cost, self.currency),
            "finish_reason": self.finish_reason or None,
        }


class MessageImage(models.Model):
    """An image sent with a user message: the file's bytes (kept in the database, which every process and machine
    shares), or the URL the provider was given. Regenerating or editing the message sends it again; the
    transcript shows it. History sent back in later turns has only its note (``playground.images``)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="images", verbose_name=_("message"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=255, blank=True)
    media_type = models.CharField(_("media type"), max_length=32, blank=True)
    data = models.BinaryField(_("data"), null=True, blank=True)
    url = models.URLField(_("URL"), max_length=2048, blank=True)

    class Meta:
        ordering = ["message", "position"]
        verbose_name = _("message image")
        verbose_name_plural = _("message images")

    def __str__(self) -> str:
        return self.name or self.url
