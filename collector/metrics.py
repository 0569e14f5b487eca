"""Prometheus metrics of the collector: polls, errors by class, spool depth and age, store batch latency, line use.

Must not make decisions or log; counters are bumped by the runner, gauges are read at scrape time from their owners.
A registry of its own (not prometheus_client's global one), so several daemons in one test process do not collide.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)


@dataclass
class Probes:
    """Where scrape-time values come from (the daemon wires these to the spool, store, dispatcher, ledger)."""

    spool_depth: Callable[[], int]
    spool_oldest_age: Callable[[], float]
    store_batches: Callable[[], int]
    store_batch_seconds_total: Callable[[], float]
    store_last_batch_seconds: Callable[[], float]
    store_database_up: Callable[[], bool]
    queue_depth: Callable[[], dict[str, int]]
    meters_failing: Callable[[], int]
    gaps_open: Callable[[], int]


class _Live(Collector):
    def __init__(self, probes: Probes) -> None:
        self.probes = probes

    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        p = self.probes
        yield GaugeMetricFamily(
            "uchet_spool_depth_items", "Items in the spool waiting for the database", p.spool_depth()
        )
        yield GaugeMetricFamily(
            "uchet_spool_oldest_age_seconds", "Age of the oldest item waiting in the spool", p.spool_oldest_age()
        )
        yield CounterMetricFamily("uchet_store_batches", "Committed store transactions", p.store_batches())
        yield CounterMetricFamily(
            "uchet_store_batch_seconds", "Time spent in committed store transactions", p.store_batch_seconds_total()
        )
        yield GaugeMetricFamily(
            "uchet_store_last_batch_seconds", "Latency of the last store transaction", p.store_last_batch_seconds()
        )
        yield GaugeMetricFamily("uchet_database_up", "1 while the store reaches the database", p.store_database_up())
        lanes = GaugeMetricFamily("uchet_line_queue_depth", "Tasks waiting on lines, by lane", labels=["lane"])
        for lane, depth in p.queue_depth().items():
            lanes.add_metric([lane], depth)
        yield lanes
        yield GaugeMetricFamily("uchet_meters_failing", "Meters whose last attempt failed", p.meters_failing())
        yield GaugeMetricFamily("uchet_gaps_open", "Missing profile slots still to re-read", p.gaps_open())


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter("uchet_polls", "Tasks carried out", ["kind", "outcome"], registry=self.registry)
        self.errors = Counter(
            "uchet_poll_errors", "Failed tasks by error class", ["error_class"], registry=self.registry
        )
        self.values = Counter("uchet_values", "Values handed to the spool", ["kind"], registry=self.registry)
        self.refused = Counter(
            "uchet_refused_values", "Values not stored (timeout, garbled, device error)", registry=self.registry
        )
        self.line_busy = Counter(
            "uchet_line_busy_seconds", "Time each line spent in transactions (rate = utilisation)", ["line"],
            registry=self.registry,
        )  # fmt: skip
        self._server: WSGIServer | None = None

    def observe(self, probes: Probes) -> None:
        self.registry.register(_Live(probes))

    def serve(self, bind: str) -> None:
        host, _, port = bind.rpartition(":")
        try:
            server, _thread = start_http_server(int(port), addr=host or "127.0.0.1", registry=self.registry)
        except OSError as exc:
            # Metrics are for watching; polling and storing matter more. Say why and go on without them.
            log.error("metrics not served on %s: %s (another collector running? set collector.metrics_bind)", bind, exc)
            return
        self._server = server
        log.info("metrics on http://%s/metrics", bind)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
