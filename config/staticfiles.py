"""Static file storage for production."""

from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]


class ModuleAwareStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed names for ES module imports too (``import ... from "./sse.js"``), so that after a deploy a
    browser never mixes a new module with an old one it has cached."""

    support_js_module_import_aggregation = True
