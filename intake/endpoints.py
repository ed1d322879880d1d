"""Creating and changing a customer's form endpoints, with the checks that keep
one merchant's form from reaching another merchant's domain or redirecting
visitors to someone else's site."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, validate_slug
from django.db import transaction

from customers import audit
from intake.models import FormEndpoint

EDITABLE_FIELDS = {
    "name",
    "domain",
    "slug",
    "delivery",
    "recipients",
    "redirect_url",
    "allowed_origins",
    "max_bytes",
    "enabled",
}
MAX_BYTES_CEILING = 25 * 1024 * 1024


def _owns_host(customer, host):
    host = (host or "").lower().rstrip(".")
    for domain in customer.domains.values_list("name", flat=True):
        if host == domain or host.endswith("." + domain):
            return True
    return False


def _clean_recipients(recipients):
    if isinstance(recipients, str):
        recipients = recipients.replace(",", "\n").splitlines()
    cleaned = [r.strip() for r in recipients if r.strip()]
    validate = EmailValidator()
    for address in cleaned:
        try:
            validate(address)
        except ValidationError:
            raise ValidationError({"recipients": f"“{address}” is not an e-mail address."})
    return cleaned


def _clean_origins(customer, origins):
    if isinstance(origins, str):
        origins = origins.replace(",", "\n").splitlines()
    cleaned = []
    for origin in (o.strip() for o in origins if o.strip()):
        parts = urlsplit(origin if "://" in origin else f"https://{origin}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError({"allowed_origins": f"“{origin}” is not a web address."})
        if not _owns_host(customer, parts.hostname):
            raise ValidationError(
                {"allowed_origins": f"“{parts.hostname}” is not one of your domains."}
            )
        cleaned.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return cleaned


def validate_endpoint(endpoint):
    customer = endpoint.customer
    errors = {}
    if endpoint.domain_id is None or endpoint.domain.customer_id != customer.pk:
        errors["domain"] = "Choose one of your own domains."
    try:
        validate_slug(endpoint.slug or "")
    except ValidationError:
        errors["slug"] = "Use letters, numbers, hyphens and underscores only."
    if endpoint.delivery not in FormEndpoint.Delivery.values:
        errors["delivery"] = "Choose delivery to the log or by e-mail."
    elif endpoint.delivery == FormEndpoint.Delivery.EMAIL and not endpoint.recipients:
        errors["recipients"] = "Give at least one address for e-mail delivery."
    if endpoint.redirect_url:
        parts = urlsplit(endpoint.redirect_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors["redirect_url"] = "Give a full web address, starting with https://."
        elif not _owns_host(customer, parts.hostname):
            errors["redirect_url"] = "The thank-you page must be on one of your own domains."
    if not (1024 <= int(endpoint.max_bytes or 0) <= MAX_BYTES_CEILING):
        errors["max_bytes"] = (
            f"Choose a size limit between 1 KB and {MAX_BYTES_CEILING // (1024 * 1024)} MB."
        )
    if (
        not errors.get("domain")
        and FormEndpoint.objects.filter(domain=endpoint.domain, slug=endpoint.slug)
        .exclude(pk=endpoint.pk)
        .exists()
    ):
        errors["slug"] = f"{endpoint.domain.name} already has a form called “{endpoint.slug}”."
    if errors:
        raise ValidationError(errors)


def _apply(endpoint, fields):
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        if name == "recipients":
            value = _clean_recipients(value)
        elif name == "allowed_origins":
            value = _clean_origins(endpoint.customer, value)
        elif name == "slug":
            value = (value or "").strip()
        setattr(endpoint, name, value)


def create_endpoint(
    customer,
    *,
    domain,
    slug,
    delivery,
    recipients=(),
    redirect_url="",
    allowed_origins=(),
    max_bytes=None,
    enabled=True,
    name="",
    actor=None,
):
    endpoint = FormEndpoint(customer=customer)
    fields = dict(
        domain=domain,
        slug=slug,
        delivery=delivery,
        recipients=recipients,
        redirect_url=redirect_url or "",
        allowed_origins=allowed_origins,
        enabled=enabled,
        name=name,
    )
    if max_bytes is not None:
        fields["max_bytes"] = max_bytes
    _apply(endpoint, fields)
    validate_endpoint(endpoint)
    with transaction.atomic():
        endpoint.save()
        audit.record("form.created", actor=actor, customer=customer, detail=str(endpoint))
    return endpoint


def update_endpoint(endpoint, *, actor=None, **fields):
    _apply(endpoint, fields)
    validate_endpoint(endpoint)
    with transaction.atomic():
        endpoint.save()
        audit.record(
            "form.changed",
            actor=actor,
            customer=endpoint.customer,
            detail=f"{endpoint}: {', '.join(sorted(fields))}",
        )
    return endpoint
