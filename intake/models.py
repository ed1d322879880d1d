import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone

from customers.models import Customer, Domain


class FormEndpoint(models.Model):
    """A public address that receives one of a customer's web forms."""

    class Delivery(models.TextChoices):
        LOG = "log", "Encrypted log"
        EMAIL = "email", "Encrypted e-mail"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="form_endpoints")
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="form_endpoints")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=200, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.LOG)
    recipients = models.JSONField(
        default=list, blank=True, help_text="E-mail addresses, for e-mail delivery."
    )
    redirect_url = models.URLField(
        blank=True, help_text="Where visitors go after posting; on one of your domains."
    )
    allowed_origins = models.JSONField(
        default=list,
        blank=True,
        help_text="Extra origins allowed to post, besides the form's own domain.",
    )
    enabled = models.BooleanField(default=True)
    max_bytes = models.PositiveIntegerField(
        default=1024 * 1024, help_text="The largest post accepted, files included."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["domain__name", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "slug"], name="form_slug_per_domain")
        ]

    def __str__(self):
        return f"{self.domain.name}/{self.slug}"

    @property
    def path(self):
        return f"/f/{self.domain.name}/{self.slug}/"


class SubmissionQuerySet(models.QuerySet):
    def undelivered(self):
        return self.filter(status__in=[Submission.Status.RECEIVED, Submission.Status.ENCRYPTED])

    def overdue(self, by_seconds):
        """Undelivered submissions whose next attempt should have started a
        while ago: their broker message was lost or their worker died."""
        cutoff = timezone.now() - timedelta(seconds=by_seconds)
        return self.undelivered().filter(due_at__lt=cutoff)


class Submission(models.Model):
    """One post to a form endpoint, followed from receipt to delivery.

    `sealed` holds the plaintext document under the server's sealing key until
    the worker encrypts it; `ciphertext` then holds the OpenPGP message, and
    `sealed` is emptied in the same transaction.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        ENCRYPTED = "encrypted", "Encrypted"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        HELD = "held", "Held: no usable key"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(FormEndpoint, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # When the next attempt is expected to run; the sweep re-queues what is
    # long past due.
    due_at = models.DateTimeField(default=timezone.now, db_index=True)
    encrypted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    key_fingerprint = models.CharField(max_length=64, blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    sealed = models.BinaryField(null=True, blank=True, editable=False)
    ciphertext = models.TextField(blank=True, editable=False)
    log_name = models.CharField(max_length=500, blank=True)
    # A document sent by the merchant's "send me a test" action, not a visitor.
    is_test = models.BooleanField(default=False)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["endpoint", "received_at"])]

    def __str__(self):
        return f"Submission {self.id} ({self.status})"
