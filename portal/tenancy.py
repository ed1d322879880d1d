"""Who may see what: the one place the portal decides tenancy and roles.

Merchant pages live under /c/<customer-slug>/. A page resolves the customer
from the slug and the signed-in user's memberships, and fetches every object
through the resulting Tenant, so that another customer's object (or a customer
the user does not belong to) answers 404, never 403: nothing tells a visitor
which other customers or objects exist.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from customers.models import AuditEvent, Customer, Domain, Membership, PublicKey
from intake.models import FormEndpoint, Submission

# How each model reaches its customer.
_CUSTOMER_PATH = {
    AuditEvent: "customer",
    Domain: "customer",
    FormEndpoint: "customer",
    Membership: "customer",
    PublicKey: "customer",
    Submission: "endpoint__customer",
}

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Tenant:
    """A customer as seen by one signed-in member of it."""

    customer: Customer
    role: str

    @property
    def is_owner(self):
        return self.role == Membership.Role.OWNER

    def filter(self, model):
        """All of the customer's objects of this model."""
        return model.objects.filter(**{_CUSTOMER_PATH[model]: self.customer})

    def get(self, model, **lookup):
        """One of the customer's objects, or 404."""
        return get_object_or_404(self.filter(model), **lookup)


def memberships(user):
    """The user's memberships, customers in name order."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return user.memberships.select_related("customer").order_by("customer__name")


def tenant_for(user, slug):
    """The user's view of the customer with this slug, or 404."""
    membership = memberships(user).filter(customer__slug=slug).first()
    if membership is None:
        raise Http404("No such customer.")
    return Tenant(customer=membership.customer, role=membership.role)


def _login_redirect(request):
    return redirect_to_login(request.get_full_path(), reverse("portal:login"))


def merchant_page(view=None, *, owners_only=False):
    """Resolve `customer_slug` into a Tenant passed as the view's second argument.

    Members are read-only: any method other than GET, HEAD and OPTIONS needs
    an owner, and `owners_only` pages refuse members altogether.
    """

    def decorate(func):
        @wraps(func)
        def wrapper(request, customer_slug, *args, **kwargs):
            if not request.user.is_authenticated:
                return _login_redirect(request)
            tenant = tenant_for(request.user, customer_slug)
            needs_owner = owners_only or request.method not in _SAFE_METHODS
            if needs_owner and not tenant.is_owner:
                raise PermissionDenied("Only the customer's owners may do this.")
            request.tenant = tenant
            return func(request, tenant, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def staff_page(func):
    """Pages for the provider's staff (Django's is_staff) only."""

    @wraps(func)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _login_redirect(request)
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied("This page is for the provider's staff.")
        return func(request, *args, **kwargs)

    return wrapper


def signed_in(func):
    """Any signed-in user, sent to the portal's own login page otherwise."""

    @wraps(func)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _login_redirect(request)
        return func(request, *args, **kwargs)

    return wrapper
