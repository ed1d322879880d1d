"""Handing work to the Celery workers without ever making a caller wait on,
or fail because of, a broker that is down.

Every message carries ids only. What fails to be queued is still in the
database, and the periodic sweep queues it later.
"""

import logging

logger = logging.getLogger(__name__)


def publish(task, *args):
    """Queue `task` with `args`; True when the broker took it."""
    from capepanel.celery import app

    try:
        with app.pool.acquire(block=True, timeout=5) as connection:
            # No reconnection attempts: a visitor or merchant is waiting.
            connection.ensure_connection(max_retries=0)
            task.apply_async(args=list(args), connection=connection, retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker fault; the sweep recovers
        logger.warning(
            "%s %s not queued (%s); the sweep will queue it",
            task.name,
            " ".join(str(arg) for arg in args),
            type(exc).__name__,
        )
        return False
    return True


def queue_submission(submission_id):
    from intake.tasks import encrypt_and_deliver

    return publish(encrypt_and_deliver, str(submission_id))


def queue_release(customer_id):
    """Ask the workers to resume a customer's held submissions."""
    from intake.tasks import release_held

    return publish(release_held, customer_id)
