"""Celery tasks for Fennel's hol and io comparisons: the peer's fib plus a sleep task.

A copy of ../shared/peers/celery/tasks.py with `sleep` added (issue 11); same broker, backend and
settings as the peer (celeryconfig.py there).
"""
import os
import sys
import time

sys.path.insert(0, os.environ.get("CELERY_PEER", os.path.join(os.path.dirname(__file__), "../../../shared/peers/celery")))
from celery import Celery  # noqa: E402

app = Celery("tasks_io")
app.config_from_object("celeryconfig")
app.conf.task_routes = {}


def _fib(n):
    return n if n < 2 else _fib(n - 1) + _fib(n - 2)


@app.task(name="io.fib")
def fib(n):
    return _fib(n)


@app.task(name="io.sleep")
def sleep(seconds):
    time.sleep(seconds)
    return seconds
