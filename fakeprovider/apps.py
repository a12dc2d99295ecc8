from django.apps import AppConfig


class FakeProviderConfig(AppConfig):
    """The fake upstream for tests, demos and benchmarks: ``manage.py fake_provider``."""

    name = "fakeprovider"
    verbose_name = "Fake provider"
