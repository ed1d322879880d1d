"""Forms for the portal's pages.

They parse and check what a person typed; the rules of the domain (which
domains a customer owns, duplicate slugs, key validity) stay in the domain
functions, whose ValidationErrors `add_domain_errors` puts beside the fields.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from customers.models import Membership
from intake.models import FormEndpoint

MAX_KEY_BYTES = 1024 * 1024


def add_domain_errors(form, error):
    """Show a domain function's ValidationError on the form, by field if it can."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    aliases = getattr(form, "domain_fields", {})
    for field, errors in error.error_dict.items():
        field = aliases.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


def _size(n):
    """Bytes in words for people: 10 MB, 512 KB."""
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    return f"{n // 1024} KB"


def _lines(value):
    """Entries of a text box, one per line or separated by commas."""
    return [item.strip() for item in value.replace(",", "\n").splitlines() if item.strip()]


class LinesField(forms.CharField):
    """A text box of entries, one per line, as a list."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *, item_validator=None, **kwargs):
        self.item_validator = item_validator
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(value)
        return value

    def to_python(self, value):
        return _lines(super().to_python(value) or "")

    def validate(self, value):
        super().validate(value)
        if self.item_validator is None:
            return
        for item in value:
            try:
                self.item_validator(item)
            except ValidationError:
                raise ValidationError(f"“{item}” does not look right.", code="invalid")


class BlankTextarea(forms.Textarea):
    """A text box that never shows what was typed into it again.

    What is pasted into the key box may be a secret key; after a refusal the
    page must not send it back (into the browser's cache and history).
    """

    def format_value(self, value):
        return None


class KeyUploadForm(forms.Form):
    key_file = forms.FileField(
        required=False,
        label="Key file",
        help_text="An exported public key: .asc (armored) or .gpg (binary).",
    )
    key_text = forms.CharField(
        required=False,
        label="Or paste the key",
        widget=BlankTextarea(
            attrs={"rows": 8, "placeholder": "-----BEGIN PGP PUBLIC KEY BLOCK-----"}
        ),
    )

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("key_file"), (cleaned.get("key_text") or "").strip()
        if upload and text:
            raise ValidationError("Choose a file or paste a key, not both.")
        if not upload and not text:
            raise ValidationError("Choose a key file or paste the key.")
        if upload:
            if upload.size > MAX_KEY_BYTES:
                raise ValidationError("That file is too large to be a public key.")
            cleaned["data"] = upload.read()
        else:
            cleaned["data"] = text.encode("utf-8")
        return cleaned


class EndpointForm(forms.Form):
    name = forms.CharField(
        max_length=200, required=False, help_text="For you: for example “Contact form”."
    )
    domain = forms.ModelChoiceField(queryset=None, empty_label=None)
    slug = forms.SlugField(
        max_length=60,
        help_text="The last part of the form's address: letters, digits, hyphens and underscores.",
        error_messages={"invalid": "Use only letters, digits, hyphens and underscores."},
    )
    delivery = forms.ChoiceField(
        choices=FormEndpoint.Delivery.choices,
        widget=forms.RadioSelect,
        initial=FormEndpoint.Delivery.LOG,
    )
    recipients = LinesField(
        item_validator=validate_email,
        help_text="For e-mail delivery: one address per line.",
    )
    redirect_url = forms.URLField(
        required=False,
        label="Thank-you page",
        assume_scheme="https",
        help_text="Where visitors go after sending, on one of your domains. "
        "Empty: a plain thank-you page.",
    )
    allowed_origins = LinesField(
        help_text="Other sites allowed to post this form, such as "
        "https://www.example.com; one per line. The form's own domain is "
        "always allowed.",
    )
    max_kb = forms.IntegerField(
        label="Size limit (KB)",
        min_value=1,
        max_value=settings.INTAKE_MAX_BODY_BYTES // 1024,
        initial=1024,
        help_text="The largest post accepted, files included, in kilobytes: "
        f"1024 KB is 1 MB. At most {_size(settings.INTAKE_MAX_BODY_BYTES)}.",
    )
    enabled = forms.BooleanField(
        required=False, initial=True, help_text="Untick to refuse new posts."
    )

    # The domain functions' names for fields this form shows under another.
    domain_fields = {"max_bytes": "max_kb"}

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].queryset = customer.domains.all()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("delivery") == "email" and not cleaned.get("recipients"):
            self.add_error("recipients", "E-mail delivery needs at least one address.")
        # People give kilobytes; the endpoint keeps bytes (and checks them itself).
        kb = cleaned.pop("max_kb", None)
        if kb is not None:
            unchanged = kb == self.initial.get("max_kb") and self.initial.get("max_bytes")
            cleaned["max_bytes"] = self.initial["max_bytes"] if unchanged else kb * 1024
        return cleaned

    @classmethod
    def initial_for(cls, endpoint):
        initial = {
            name: getattr(endpoint, name) for name in cls.base_fields if hasattr(endpoint, name)
        }
        # A limit that is not a whole number of KB is kept as it is unless changed.
        initial["max_bytes"] = endpoint.max_bytes
        initial["max_kb"] = -(-endpoint.max_bytes // 1024)
        return initial


class LogFilterForm(forms.Form):
    form = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All forms", label="Form"
    )
    # Log days are UTC days, as the times shown in the log are UTC.
    since = forms.DateField(
        required=False, label="From (UTC)", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To (UTC)", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, endpoints, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = endpoints

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise ValidationError("The start date is after the end date.")
        return cleaned


class OnboardForm(forms.Form):
    name = forms.CharField(max_length=200, label="Customer name")
    domains = LinesField(
        required=True,
        label="Domains",
        help_text="The customer's web site domains, one per line: example.com",
    )
    email = forms.EmailField(
        label="Owner's e-mail", help_text="The invitation to set a password goes here."
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial="member")


class SearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
