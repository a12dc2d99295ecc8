"""``core.db.release_pooled_connections``: a provider call holds no pooled database connection."""

from __future__ import annotations

from types import SimpleNamespace

from core import db


class FakeConnection(SimpleNamespace):
    closed = False

    def close(self) -> None:
        self.closed = True


def test_only_pooled_idle_connections_go_back_to_the_pool(monkeypatch):
    pooled_idle = FakeConnection(pool=object(), connection=object(), in_atomic_block=False)
    pooled_in_transaction = FakeConnection(pool=object(), connection=object(), in_atomic_block=True)
    pooled_unopened = FakeConnection(pool=object(), connection=None, in_atomic_block=False)
    sqlite = FakeConnection(connection=object(), in_atomic_block=False)  # no pool attribute at all
    everyone = [pooled_idle, pooled_in_transaction, pooled_unopened, sqlite]
    monkeypatch.setattr(db.connections, "all", lambda initialized_only=False: everyone)
    db.release_pooled_connections()
    assert [c.closed for c in everyone] == [True, False, False, False]
