"""Celery tasks of the secure-form pipeline. They take ids only: a broker
message never carries anything a visitor posted."""

import logging

from celery import shared_task

from customers.models import Customer
from intake import pipeline
from intake.delivery import describe_failure
from intake.sealing import SealBroken

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True)
def encrypt_and_deliver(self, submission_id):
    try:
        return pipeline.process(submission_id)
    except SealBroken as exc:
        pipeline.mark_failed(submission_id, str(exc))
        return None
    except pipeline.TRANSIENT_FAILURES as exc:
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001 - counted and retried, never looping unseen
        # Not logged with its message or traceback: those can carry storage
        # credentials or, in a worse bug, document contents.
        reason = f"unexpected fault: {describe_failure(exc)}"
        logger.error("submission %s: %s", submission_id, reason)
    delay = pipeline.note_failure(submission_id, reason)
    if delay is not None:
        raise self.retry(countdown=delay)
    return None


@shared_task
def sweep_undelivered():
    return len(pipeline.requeue_overdue())


@shared_task
def release_held(customer_id):
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return 0
    return pipeline.release_held(customer)
