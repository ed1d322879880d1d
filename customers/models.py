import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


def group_fingerprint(value):
    """A fingerprint in groups of four, for reading over the phone."""
    value = (value or "").replace(" ", "").upper()
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


class Customer(models.Model):
    """A tenant: one merchant whose sites the provider hosts."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def active_key(self):
        """The key new submissions are encrypted to, or None."""
        return self.public_keys.usable().order_by("-uploaded_at").first()


class Domain(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="domains")
    name = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member (read-only)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "customer"], name="one_membership")]

    def __str__(self):
        return f"{self.user} ({self.role}) at {self.customer}"

    @property
    def is_owner(self):
        return self.role == self.Role.OWNER


class PublicKeyQuerySet(models.QuerySet):
    def usable(self, at=None):
        at = at or timezone.now()
        return self.filter(status=PublicKey.Status.ACTIVE).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at)
        )


class PublicKey(models.Model):
    """A customer's OpenPGP public key, as uploaded and as gpg described it."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"
        REVOKED = "revoked", "Revoked"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="public_keys")
    armored = models.TextField(help_text="The ASCII-armored public key.")
    fingerprint = models.CharField(max_length=64)
    algorithm = models.CharField(max_length=40)
    bits = models.PositiveIntegerField(null=True, blank=True)
    user_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(help_text="When the key itself was made.")
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="When its encryption subkey expires."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    uploaded_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    # Which expiry reminders went out already, so that each is sent once.
    reminders_sent = models.JSONField(default=list, blank=True)

    objects = PublicKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "fingerprint"], name="key_once_per_customer"
            )
        ]

    def __str__(self):
        return f"{self.fingerprint} ({self.get_status_display()})"

    @property
    def fingerprint_groups(self):
        return group_fingerprint(self.fingerprint)

    def is_usable(self, at=None):
        at = at or timezone.now()
        return self.status == self.Status.ACTIVE and (
            self.expires_at is None or self.expires_at > at
        )


class Invitation(models.Model):
    """A one-time link that lets a merchant's owner or member set a password."""

    token = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.OWNER
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Invitation for {self.email} to {self.customer}"

    def is_open(self, at=None):
        at = at or timezone.now()
        return self.accepted_at is None and self.expires_at > at


class AuditEvent(models.Model):
    """A security-relevant action. Never holds form contents or key material."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    action = models.CharField(max_length=60)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
