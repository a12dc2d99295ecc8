"""Production settings as ``bench.load`` serves them: plain HTTP on loopback, static files without a manifest.

Production is what a deployment runs (README, "Production"), and its PostgreSQL connection pool matters here:
``config.settings.base`` opens a new connection for every request. Two things differ: no HTTPS redirect
(``SECURE_SSL_REDIRECT=false`` in the environment does that), and the static files storage of ``base``, so that
the page renders without a ``collectstatic`` run into the project's ``staticfiles/``. And the Django floor's
two URLs are served beside ModelDesk's.
"""

from config.settings import base
from config.settings.production import *  # noqa: F403

STORAGES = base.STORAGES
# ModelDesk's URLs, and the Django floor's beside them (``bench.loadkit.django_floor``).
ROOT_URLCONF = "bench.loadkit.django_floor"
