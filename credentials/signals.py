"""Signals of the credentials app, for the layers above it (the call layer tests a credential after a save)."""

from django.dispatch import Signal

# Sent by ``credential_save`` after the row is written, with ``credential``.
credential_saved = Signal()
