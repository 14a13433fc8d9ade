"""Publishing to Kafka with confluent-kafka, as durably as the Java client publishes.

One producer per process (created on first use, and again in a child after ``fork``, since a
librdkafka producer does not survive one), ``acks=all`` with idempotence, and a thread that serves
the delivery reports: each publish gets a :class:`concurrent.futures.Future` that completes when the
broker has the message, or fails with a :class:`PublishError` that says why.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Mapping, Optional

from .errors import PublishError

try:
    import confluent_kafka
except ImportError as e:  # pragma: no cover - depends on the machine
    raise ImportError(
        "fennel needs confluent-kafka: on Debian or Ubuntu 'apt-get install python3-confluent-kafka' "
        "(and a venv made with --system-site-packages), elsewhere 'pip install confluent-kafka'"
    ) from e

log = logging.getLogger("fennel.kafka")

# Settings a caller's extra settings cannot weaken: what makes a publish durable.
_DURABLE = {"acks": "all", "enable.idempotence": True}

# How long a publish may wait for room when the producer's local queue is full.
_FULL_QUEUE_PAUSE = 0.005

# Errors that mean the broker never took the message in time, rather than refused it.
_TIMEOUTS = frozenset(
    {
        confluent_kafka.KafkaError._MSG_TIMED_OUT,
        confluent_kafka.KafkaError._TIMED_OUT,
        confluent_kafka.KafkaError._TRANSPORT,
        confluent_kafka.KafkaError._ALL_BROKERS_DOWN,
    }
)
_NO_TOPIC = frozenset(
    {
        confluent_kafka.KafkaError._UNKNOWN_TOPIC,
        confluent_kafka.KafkaError.UNKNOWN_TOPIC_OR_PART,
    }
)


def producer_settings(bootstrap: str, timeout: float, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The producer's settings: ours, then the caller's ``extra``, then the durable ones."""
    settings: dict[str, Any] = {
        "client.id": "fennel-python",
        # No linger: a lone task goes at once; under load batches still form while requests are
        # in flight, as with the Java client (docs/BENCHMARKS.md).
        "linger.ms": 0,
        # No Nagle, as the Java client (TCP_NODELAY): with it a lone task's request waited for
        # the broker's delayed ACK (p99 of a confirmed send 25 ms against 3-9 ms without).
        "socket.nagle.disable": True,
        "compression.type": "lz4",
        # Kafka's Java partitioner (murmur2), so a task id lands on the partition a Java client
        # would choose; librdkafka's default is CRC32.
        "partitioner": "murmur2_random",
        "message.timeout.ms": max(1, int(timeout * 1000)),
    }
    settings.update(extra)
    settings.update(_DURABLE)
    settings["bootstrap.servers"] = bootstrap
    return settings


class Publisher:
    """Sends messages to Kafka and reports each one's acknowledgement. Thread-safe."""

    def __init__(self, bootstrap: str, timeout: float, extra: Mapping[str, Any]):
        self.bootstrap = bootstrap
        self.timeout = timeout
        self._settings = producer_settings(bootstrap, timeout, extra)
        self._lock = threading.Lock()
        self._producer: Any = None
        self._pid = -1
        self._closed = False
        self._poller: Optional[threading.Thread] = None
        self._last_error: Optional[str] = None
        # Failures of publishes nobody waits for (confirm=False), until flush() reports them.
        self._failed = 0
        self._first_failure: Optional[str] = None

    def _ensure(self) -> Any:
        producer = self._producer
        if producer is not None and self._pid == os.getpid():
            return producer
        with self._lock:
            if self._closed:
                raise PublishError("this Fennel client is closed")
            if self._producer is None or self._pid != os.getpid():
                settings = dict(self._settings)
                settings["error_cb"] = self._on_error
                settings["logger"] = log
                try:
                    self._producer = confluent_kafka.Producer(settings)
                except confluent_kafka.KafkaException as e:
                    raise ValueError(f"the Kafka settings are not valid: {e}") from e
                self._pid = os.getpid()
                self._poller = threading.Thread(
                    target=self._serve, args=(self._producer,), name="fennel-kafka", daemon=True
                )
                self._poller.start()
            return self._producer

    def _serve(self, producer: Any) -> None:
        """Runs the delivery callbacks (and librdkafka's logs) until the client is closed."""
        while not self._closed and producer is self._producer:
            try:
                producer.poll(0.1)
            except Exception:  # a callback's error must not stop every later acknowledgement
                log.exception("fennel: a Kafka callback failed")

    def _on_error(self, error: Any) -> None:
        # librdkafka reports broker trouble here (refused connections, all brokers down) and keeps
        # trying; it is kept to explain a publish that times out.
        self._last_error = error.str()
        log.debug("kafka: %s", error.str())

    def publish(
        self, topic: str, key: str, value: bytes, what: str, track: bool = False
    ) -> Future[None]:
        """Sends ``value`` under ``key``; the future completes once the broker has it.

        ``what`` names the message in errors ("the task for queue 'default'"). With ``track``,
        a failure is also counted for :meth:`flush` to report (nobody waits for this future).
        Raises :class:`PublishError` at once when the client refuses the message (too large,
        closed).
        """
        producer = self._ensure()
        acked: Future[None] = Future()
        acked.set_running_or_notify_cancel()
        callback = functools.partial(self._delivered, acked, topic, what, track)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                producer.produce(topic, value, key.encode("utf-8"), on_delivery=callback)
                return acked
            except BufferError:
                # The local queue is full: the poller thread frees it as acknowledgements come.
                if time.monotonic() >= deadline:
                    raise PublishError(
                        f"Kafka at {self.bootstrap} took nothing for {self.timeout:g} s while "
                        f"{what} waited for room in the client's queue" + self._last_error_text()
                    ) from None
                time.sleep(_FULL_QUEUE_PAUSE)
            except confluent_kafka.KafkaException as e:
                raise PublishError(f"cannot publish {what} to {topic}: {e.args[0].str()}") from e

    def _delivered(
        self, acked: Future[None], topic: str, what: str, track: bool, error: Any, _message: Any
    ) -> None:
        if error is None:
            acked.set_result(None)
            return
        explained = self._explain(error, topic, what)
        if track:
            with self._lock:
                self._failed += 1
                if self._first_failure is None:
                    self._first_failure = explained
        acked.set_exception(PublishError(explained))

    def _explain(self, error: Any, topic: str, what: str) -> str:
        code = error.code()
        if code in _TIMEOUTS:
            return (
                f"Kafka at {self.bootstrap} did not take {what} within {self.timeout:g} s: "
                f"is the broker running and reachable, and does topic {topic} exist? "
                "(./fennel dev starts a broker and creates the topics)" + self._last_error_text()
            )
        if code in _NO_TOPIC:
            return (
                f"topic {topic} does not exist on Kafka at {self.bootstrap}, so {what} was not "
                "published: workers create the topics of the queues they serve "
                "(./fennel worker -Q <queue>)"
            )
        return f"Kafka at {self.bootstrap} refused {what} on {topic}: {error.str()}"

    def _last_error_text(self) -> str:
        return f" (last error from Kafka: {self._last_error})" if self._last_error else ""

    def wait(self, acked: Future[None], what: str) -> None:
        """Waits for ``acked``; raises :class:`PublishError` when it failed or never completed."""
        try:
            # message.timeout.ms bounds the report; the margin covers a busy poller thread.
            acked.result(timeout=self.timeout + 30)
        except PublishError:
            raise
        except FutureTimeout:
            raise PublishError(
                f"no acknowledgement from Kafka at {self.bootstrap} for {what} within "
                f"{self.timeout + 30:g} s" + self._last_error_text()
            ) from None

    def flush(self, timeout: Optional[float]) -> None:
        """Waits until everything sent is acknowledged or failed (at most ``timeout`` seconds,
        default the client's timeout and a margin); raises :class:`PublishError` when a publish
        nobody waited for failed since the last flush, or when some are still unacknowledged."""
        producer = self._producer
        left = 0
        if producer is not None and self._pid == os.getpid():
            left = producer.flush(self.timeout + 30 if timeout is None else timeout)
        with self._lock:
            failed, first = self._failed, self._first_failure
            self._failed, self._first_failure = 0, None
        if failed:
            raise PublishError(
                f"{failed} message{'s were' if failed > 1 else ' was'} not published; "
                f"the first: {first}"
            )
        if left:
            raise PublishError(
                f"{left} message{'s are' if left > 1 else ' is'} not acknowledged by Kafka at "
                f"{self.bootstrap} yet" + self._last_error_text()
            )

    def close(self, timeout: Optional[float]) -> None:
        """Flushes (raising as :meth:`flush` does), then stops the delivery thread."""
        try:
            self.flush(timeout)
        finally:
            with self._lock:
                self._closed = True
                poller = self._poller
            if poller is not None and poller is not threading.current_thread():
                poller.join()
