"""Taking on a new customer, and inviting people to manage it.

Errors are ValidationErrors keyed by field ("name", "domains", "email",
"role"), in words staff and merchants can act on.
"""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from customers import audit, notices
from customers.models import Customer, Domain, Invitation, Membership

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SLUG_LENGTH = 50


def normalize_domain(value):
    """The host name `value` in lowercase ASCII (punycode for IDN), or a
    ValidationError saying what is wrong with it."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError("Enter a domain name.")
    if "://" in raw or "/" in raw or "@" in raw or ":" in raw:
        raise ValidationError(
            f"“{raw}” is not a domain name. Give the name only, like "
            "shop.example.com, without https://, a path or a port."
        )
    name = raw.rstrip(".").lower()
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(f"“{raw}” is not a valid domain name.") from None
    labels = name.split(".")
    if (
        len(name) > 253
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValidationError(
            f"“{raw}” is not a valid domain name: use letters, digits and "
            "hyphens, with at least one dot, like shop.example.com."
        )
    return name


def onboard_customer(name, *, domains, email, actor=None) -> Customer:
    """Create the customer with its domains and invite `email` as its owner.

    The invitation e-mail goes out once the transaction commits.
    """
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = ["Enter the customer's name."]
    elif any(not character.isprintable() for character in name):
        # A line break here would end up in the subject of every invitation.
        errors["name"] = ["Give the name on one line, without control characters."]
    try:
        email = _normalize_email(email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    try:
        domains = _normalize_domains(domains)
    except ValidationError as exc:
        errors["domains"] = exc.messages
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            taken = list(Domain.objects.filter(name__in=domains).values_list("name", flat=True))
            if taken:
                raise ValidationError(
                    {"domains": [_taken_message(domain) for domain in sorted(taken)]}
                )
            customer = Customer.objects.create(
                name=name, slug=_unique_slug(name), contact_email=email
            )
            Domain.objects.bulk_create(Domain(customer=customer, name=domain) for domain in domains)
            audit.record(
                "customer.onboarded",
                actor=actor,
                customer=customer,
                detail=f"slug={customer.slug} domains={','.join(domains)}",
            )
            invite(customer, email, Membership.Role.OWNER, actor=actor)
    except IntegrityError:
        # Another onboarding took the slug or a domain between check and insert.
        raise ValidationError(
            "Another customer with this name or domain was created at the same "
            "moment. Check the customer list and try again."
        ) from None
    return customer


def invite(customer, email, role, *, actor=None) -> Invitation:
    """Invite `email` to manage `customer` as `role` ("owner" or "member").

    The e-mail with the one-time link goes out once the transaction commits.
    """
    email = _normalize_email(email, field="email")
    if role not in Membership.Role.values:
        raise ValidationError({"role": ["Choose owner or member."]})
    if customer.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": [f"{email} already has access to {customer.name}."]})

    with transaction.atomic():
        invitation = Invitation.objects.create(
            token=secrets.token_urlsafe(32),
            customer=customer,
            email=email,
            role=role,
            invited_by=actor if actor is not None and actor.is_authenticated else None,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        audit.record(
            "invitation.sent",
            actor=actor,
            customer=customer,
            detail=f"invitation={invitation.pk} role={role}",
        )
        transaction.on_commit(lambda: notices.send_invitation(invitation), robust=True)
    return invitation


def _normalize_email(value, field=None):
    email = (value or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        message = (
            f"“{email}” is not a valid e-mail address." if email else ("Enter an e-mail address.")
        )
        raise ValidationError({field: [message]} if field else message) from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _normalize_domains(values):
    if isinstance(values, str):
        values = [values]
    names, errors = [], []
    for value in values or []:
        try:
            name = normalize_domain(value)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if name not in names:
            names.append(name)
    if errors:
        raise ValidationError(errors)
    if not names:
        raise ValidationError("Enter at least one domain name.")
    return names


def _taken_message(domain):
    return f"The domain {domain} already belongs to another customer."


def _unique_slug(name):
    base = slugify(name)[:_SLUG_LENGTH].strip("-") or "customer"
    slug, number = base, 1
    while Customer.objects.filter(slug=slug).exists():
        number += 1
        suffix = f"-{number}"
        slug = base[: _SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
    return slug
