"""The front door: where each kind of user lands, and the merchant dashboard."""

from datetime import timedelta

from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone

from customers.models import PublicKey
from intake.models import FormEndpoint, Submission
from portal.tenancy import memberships, merchant_page, signed_in

KEY_WARNING_DAYS = 30
RECENT_DAYS = 30


def home(request):
    """Staff to the customer list, merchants to their dashboard, others to sign in."""
    if not request.user.is_authenticated:
        return redirect("portal:login")
    if request.user.is_staff:
        return redirect("portal:staff_customers")
    return choose_customer(request)


@signed_in
def choose_customer(request):
    member_of = list(memberships(request.user))
    if not member_of and request.user.is_staff:
        # Staff reach customers through their own list, not through memberships.
        return redirect("portal:staff_customers")
    if len(member_of) == 1:
        return redirect("portal:dashboard", customer_slug=member_of[0].customer.slug)
    return render(request, "portal/choose_customer.html", {"memberships": member_of})


def status_counts(submissions):
    """{status: count} for every status, zero included, in the model's order."""
    counts = dict(submissions.order_by().values_list("status").annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in Submission.Status.choices]


def key_warning(customer, now=None):
    """Plain words about the customer's key, or "" when all is well."""
    now = now or timezone.now()
    key = customer.active_key()
    if key is None:
        return "You have no usable key. Your forms refuse new posts until you add one."
    if key.expires_at and key.expires_at <= now + timedelta(days=KEY_WARNING_DAYS):
        days = max((key.expires_at - now).days, 0)
        return (
            f"Your key expires in {days} day{'s' if days != 1 else ''}. "
            "Add a new key before then, or your forms will stop accepting posts."
        )
    return ""


@merchant_page
def dashboard(request, tenant):
    customer = tenant.customer
    submissions = tenant.filter(Submission)
    recent = submissions.filter(received_at__gte=timezone.now() - timedelta(days=RECENT_DAYS))
    context = {
        "tenant": tenant,
        "customer": customer,
        "endpoints": tenant.filter(FormEndpoint).select_related("domain"),
        "key": customer.active_key(),
        "key_warning": key_warning(customer),
        "status_counts": status_counts(recent),
        "recent_days": RECENT_DAYS,
        "latest": submissions.select_related("endpoint__domain")[:10],
        "has_keys": tenant.filter(PublicKey).exists(),
    }
    return render(request, "portal/dashboard.html", context)
