"""The live compare's column stop. The compare page and its stream are in ``views`` (``compare``,
``compare_stream_view``); this endpoint only reaches into a stream that is running (``live_compare``).
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .live_compare import compare_column_stop
from .views import playground_access


@require_POST
@playground_access
def column_stop(request: HttpRequest, run: uuid.UUID, column: int) -> JsonResponse:
    """Stops one column of the user's running compare; the others stream on, the stopped call is logged as
    cancelled. 404 when this process streams no such run of this user's (it ended, or another process runs it:
    see ``live_compare``); the page then keeps the column's text as stopped, and its global Stop still works."""
    if compare_column_stop(user=request.user, run=str(run), column=column):
        return JsonResponse({"stopped": True, "column": column})
    message = _("This comparison is not running here any more; Stop ends every column.")
    return JsonResponse({"error": {"type": "not_found", "message": message}}, status=404)
