"""Record every call: one CallLog row and one log line, whatever the outcome.

``recorded`` wraps a call's block: typed errors are recorded and propagate; anything else is recorded and
propagates as ``InternalError``; a stream abandoned by its reader is recorded as cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.db import DatabaseError

from core.errors import InternalError, ModelDeskError, ProviderError
from providers.pricing import call_cost, call_price, row_price
from wire.redaction import escape_control

from . import call_log
from .models import CallLog, CallStatus
from .resolve import OPERATION_TYPES, Call

logger = logging.getLogger("calls")


def call_record(call: Call, error: BaseException | None = None) -> CallLog:
    info = call.info()
    message = ""
    error_type = ""
    if isinstance(error, ProviderError):
        error.with_context(provider=call.provider.spec.english_name, model=call.model)
        error_type, message = error.error_type, str(error)
    elif error is not None:
        error_type, message = getattr(error, "error_type", "configuration"), str(error)
    message = call.redact(message)
    row = CallLog(
        user_id=call.user.pk if call.user is not None else None,
        provider_id=call.credential.provider_id,
        credential_id=call.credential.pk,
        model=escape_control(call.model)[:200],
        api_key=call.api_key,
        operation=call.operation,
        status=CallStatus.ERROR if error else CallStatus.OK,
        error_type=error_type,
        message=message,
        attempts=info.attempts,
        latency_ms=info.latency_ms,
        ttft_ms=info.ttft_ms,
        tokens_in=info.usage.input_tokens,
        tokens_out=info.usage.output_tokens,
        tokens_cached=info.usage.cached_input_tokens,
        tokens_reasoning=info.usage.reasoning_tokens,
        usage_estimated=info.usage.estimated,
        finish_reason=escape_control(call.finish_reason or "")[:32],
    )
    row.cost, row.currency = call.cost, call.currency = _cost(call)
    if call.admission is not None:
        try:
            call.admission.settle(
                tokens=info.usage.total, cost=row.cost, currency=row.currency, refund=_never_sent(error)
            )
        except DatabaseError:  # the reply (or its error) still reaches its caller; the quota misses this call
            logger.exception("could not settle the quotas of %s %s/%s", call.operation, call.provider.slug, call.model)
    call_log.write(row)
    # A failure is the server log's business; a call that worked is in the call log already, and a gateway
    # serving thousands a second would write a line for each (DEBUG shows them).
    log = logger.warning if error else logger.debug
    log(
        "%s %s/%s %s in %d ms, %d attempt(s)%s",
        call.operation,
        call.provider.slug,
        call.model,
        row.status,
        info.latency_ms,
        info.attempts,
        f": {message}" if message else "",
    )
    return row


def _never_sent(error: BaseException | None) -> bool:
    """Whether the call failed in ModelDesk, not at its provider (an internal or configuration error): its
    reserved call is given back to its quotas. A provider's error, a timeout or a Stop still counts."""
    return error is not None and not isinstance(error, ProviderError | StreamCancelled)


COST_PLACES = Decimal("0.00000001")  # CallLog.cost's decimal places


def _cost(call: Call) -> tuple[Decimal | None, str]:
    """The call's cost and its currency, from its model's price (one query); (None, "") without a price or usage."""
    if call.usage.empty or not call.model:
        return None, ""
    model_type = OPERATION_TYPES.get(call.operation)
    if call.model_row_read:  # the rules read the row already
        price = row_price(provider=call.provider, row=call.model_row, name=call.model, model_type=model_type)
    else:
        price = call_price(
            provider=call.provider, credential_id=call.credential.pk, name=call.model, model_type=model_type
        )
    cost = call_cost(price, call.usage) if price is not None else None
    return (None, "") if cost is None or price is None else (cost.quantize(COST_PLACES), price.currency)


class StreamCancelled(ModelDeskError):
    error_type = "cancelled"

    def __init__(self) -> None:
        super().__init__("The reader stopped reading before the stream ended.")


@contextmanager
def recorded(call: Call, *, success: bool = True) -> Iterator[Call]:
    """Record the call when the block ends; typed errors propagate, and so does any other, as ``InternalError``.

    ``success=False`` records failures only: a stream being prepared records its success when it has ended.
    """
    try:
        yield call
    except ModelDeskError as error:
        call_record(call, error)
        raise
    except GeneratorExit:  # a stream abandoned by its reader (client disconnected)
        call_record(call, StreamCancelled())
        raise
    except Exception as exc:  # a bug or an unexpected answer: still a recorded, typed failure
        internal = call_failure(call, exc)
        call_record(call, internal)
        raise internal from None
    if success:
        call_record(call)


def call_failure(call: Call, exc: BaseException) -> ModelDeskError:
    """Any failure of a call as the typed error it is recorded with: a typed one as it is; anything else (a bug,
    an unexpected answer) logged with its traceback and wrapped as ``InternalError``."""
    if isinstance(exc, ModelDeskError):
        return exc
    logger.error(
        "unexpected error in %s %s/%s",
        call.operation,
        call.provider.slug,
        call.model,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return InternalError(exc)
