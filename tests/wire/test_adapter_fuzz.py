"""Any JSON body from a provider becomes a typed result or a ModelDesk error (normally bad_response), never a crash.

The property tests feed every adapter's parsers arbitrary JSON, and the documented payloads with any of their
parts swapped for arbitrary JSON or left out, so that the fuzzer reaches the deep paths the adapters read.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ProviderUnavailable
from tests.wire.fuzzing import (
    CASES,
    DOCUMENTS,
    FUZZ,
    JSON,
    SEEDS,
    STREAMS,
    bodies,
    dumps,
    make,
    parse,
    stream,
    stream_events,
)
from wire.adapters import REGISTRY
from wire.adapters.base import CHAT
from wire.adapters.errors import error_fields
from wire.streaming import ndjson_events, sse_events
from wire.types import (
    StreamEvent,
)


# --- properties ---------------------------------------------------------------------------------------------------
def test_every_registered_adapter_and_operation_is_fuzzed():
    """A new adapter or operation cannot slip past these tests."""
    assert set(SEEDS) == set(REGISTRY)
    for protocol, operations in SEEDS.items():
        assert set(operations) == set(make(protocol).operations)
    assert set(STREAMS) == {p for p in REGISTRY if CHAT in make(p).operations and make(p).streams}


@pytest.mark.parametrize("protocol, operation", CASES)
def test_documented_payloads_parse(protocol, operation):
    """The payloads the fuzzer starts from are valid, so a mutation that keeps them intact gives a result."""
    adapter = make(protocol)
    for body in SEEDS[protocol][operation]:
        if body.get("status") == "failed":
            with pytest.raises(ProviderUnavailable, match="boom"):
                adapter.chat_response(body)
            continue
        parse(adapter, operation, body, ["a", "b"])


@pytest.mark.parametrize("protocol", STREAMS)
def test_documented_streams_parse(protocol):
    events = [StreamEvent(dumps(data), name) for name, data in STREAMS[protocol]]
    deltas = list(make(protocol).chat_deltas(iter(events)))
    assert "".join(d.content for d in deltas) and any(d.usage for d in deltas)


@pytest.mark.parametrize("protocol, operation", CASES)
@FUZZ
@given(data=st.data())
def test_any_json_body_is_a_typed_result_or_a_modeldesk_error(protocol, operation, data):
    """Any JSON body from a provider becomes a typed result or a ModelDesk error, for every adapter and operation."""
    body = data.draw(bodies(*SEEDS[protocol][operation]), label="body")
    documents = data.draw(DOCUMENTS, label="documents")
    parse(make(protocol, model_id_prefix="models/"), operation, body, documents)


@pytest.mark.parametrize("protocol", STREAMS)
@FUZZ
@given(data=st.data())
def test_any_stream_gives_typed_deltas_or_a_modeldesk_error(protocol, data):
    """Any sequence of events, JSON or not, gives typed deltas until the stream ends or fails with our error."""
    stream(make(protocol), data.draw(stream_events(STREAMS[protocol]), label="events"))


@FUZZ
@given(body=JSON)
def test_error_fields_reads_any_json(body):
    """The error reader used for error responses and in-stream error frames never raises."""
    message, code = error_fields(body)
    assert type(message) is str and type(code) is str


@FUZZ
@given(lines=st.lists(st.text(max_size=20).map(lambda t: t.replace("\n", "")), max_size=12))
def test_stream_framing_accepts_any_lines(lines):
    """Framing never fails: whatever the lines hold, it yields events whose data and name are strings."""
    for events in (sse_events(lines), ndjson_events(lines)):
        for event in events:
            assert type(event.data) is str and type(event.event) is str
