"""The parts of ``bench.load``: the mock upstream, the floor proxies, the servers under test and the load generator.

``mock`` and ``floor`` run as processes of their own and import nothing of ModelDesk. ``seed`` sets Django up, so
it runs in a subprocess with each server's environment: the benchmark itself never configures Django, and can
prepare a SQLite and a PostgreSQL database in one run.
"""
