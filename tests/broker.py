"""Pointing this process's Celery app at another broker for a while."""

import socket
from contextlib import contextmanager

import kombu.pools

from capepanel.celery import app


def free_port():
    """A loopback port where nothing listens (at this moment)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def forget_connections():
    """Drop the pooled connections so the next publish connects afresh."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


@contextmanager
def publishing_to(url, transport_options=None):
    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = url
    if transport_options is not None:
        app.conf.broker_transport_options = transport_options
    forget_connections()
    try:
        yield url
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        forget_connections()


def dead_broker():
    """Publishing to a Redis address where nothing listens."""
    return publishing_to(f"redis://127.0.0.1:{free_port()}/0")
