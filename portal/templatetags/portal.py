from django import template

register = template.Library()


@register.filter
def fingerprint(value):
    """A fingerprint in groups of four, for reading over the phone."""
    value = (value or "").replace(" ", "").upper()
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


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
