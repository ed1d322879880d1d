from django import template

from customers.models import group_fingerprint

register = template.Library()


# A fingerprint in groups of four, for reading over the phone.
register.filter("fingerprint", group_fingerprint)


@register.filter
def status_class(status):
    """A CSS class for a submission or key status."""
    return {
        "delivered": "ok",
        "active": "ok",
        "failed": "bad",
        "held": "warn",
        "revoked": "bad",
        "retired": "muted",
    }.get(status, "neutral")


@register.filter
def label_tag(field):
    """A field's <label> without Django's trailing colon, as on the sign-in page."""
    return field.label_tag(label_suffix="")
