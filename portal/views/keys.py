"""The customer's OpenPGP keys: upload, retire (after a confirmation page), and a test delivery."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from customers.keys import add_key, retire_key
from customers.models import PublicKey
from customers.openpgp import OpenPGPError
from intake.models import FormEndpoint
from intake.pipeline import NoUsableKey, send_test
from portal.forms import KeyUploadForm
from portal.tenancy import merchant_page


def _lower_first(reason):
    """The reason, its first word in lower case if it is a plain capitalised word
    ("The file …" but not "OpenPGP …"), to follow "This key cannot be used:"."""
    word = reason.split(" ", 1)[0]
    if len(word) > 1 and word[0].isupper() and word[1:].isalpha() and word[1:].islower():
        return reason[0].lower() + reason[1:]
    return reason


def _page(request, tenant, form, status=200):
    keys = tenant.filter(PublicKey)
    context = {
        "tenant": tenant,
        "customer": tenant.customer,
        "form": form,
        "active_keys": [key for key in keys if key.status == PublicKey.Status.ACTIVE],
        "old_keys": [key for key in keys if key.status != PublicKey.Status.ACTIVE],
        "usable_key": tenant.customer.active_key(),
    }
    return render(request, "portal/keys.html", context, status=status)


@merchant_page
def keys(request, tenant):
    if request.method == "POST":
        return add(request, tenant)
    return _page(request, tenant, KeyUploadForm())


def add(request, tenant):
    form = KeyUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, tenant, form, status=400)
    before = dict(tenant.filter(PublicKey).values_list("pk", "status"))
    try:
        key = add_key(tenant.customer, form.cleaned_data["data"], actor=request.user)
    except OpenPGPError as exc:  # a rejected key, or gpg failing or timing out
        form.add_error(None, f"This key cannot be used: {_lower_first(exc.reason)}")
        return _page(request, tenant, form, status=400)
    was = before.get(key.pk)
    if was is None:
        done = "added. New submissions are encrypted to it."
    elif was == PublicKey.Status.RETIRED:
        done = "reactivated. New submissions are encrypted to it again."
    else:  # the same key with a new expiry date or user IDs
        done = "updated. New submissions are encrypted to it."
    messages.success(request, f"Key {key.fingerprint_groups} {done}")
    return redirect("portal:keys", customer_slug=tenant.customer.slug)


@merchant_page(owners_only=True)
@require_GET
def retire_confirm(request, tenant, key_id):
    """What retiring the key means, and the button that does it."""
    key = tenant.get(PublicKey, pk=key_id)
    if key.status != PublicKey.Status.ACTIVE:
        messages.info(request, f"Key {key.fingerprint_groups} is not in use: nothing to retire.")
        return redirect("portal:keys", customer_slug=tenant.customer.slug)
    usable = tenant.customer.active_key()
    context = {
        "tenant": tenant,
        "customer": tenant.customer,
        "key": key,
        "next_key": usable if usable is not None and usable.pk != key.pk else None,
        "forms_on": tenant.filter(FormEndpoint).filter(enabled=True).count(),
    }
    return render(request, "portal/key_retire.html", context)


@merchant_page
@require_POST
def retire(request, tenant, key_id):
    key = tenant.get(PublicKey, pk=key_id)
    retire_key(key, actor=request.user)
    if tenant.customer.active_key() is None:
        messages.warning(
            request,
            f"Key {key.fingerprint_groups} is retired. You have no usable key now: "
            "your forms refuse posts until you add one.",
        )
    else:
        messages.success(request, f"Key {key.fingerprint_groups} is retired.")
    return redirect("portal:keys", customer_slug=tenant.customer.slug)


@merchant_page
@require_POST
def test(request, tenant):
    try:
        targets = send_test(tenant.customer, actor=request.user)
    except NoUsableKey as exc:
        messages.error(request, str(exc))
    else:
        if targets:
            messages.success(
                request,
                "A test message is on its way to: "
                + "; ".join(targets)
                + ". Decrypt it to check that your key works.",
            )
        else:
            messages.warning(request, "There is nothing to test yet: create a form first.")
    return redirect("portal:keys", customer_slug=tenant.customer.slug)
