"""A fake LLM provider server for tests and local development (``python manage.py fake_provider``)."""

from fakeprovider.server import FakeProviderServer, running_fake_server

__all__ = ["FakeProviderServer", "running_fake_server"]
