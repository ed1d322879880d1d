"""Who has access to the customer, and inviting more people (owners only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from customers.models import Membership
from customers.onboarding import invite
from portal.forms import InviteForm, add_domain_errors
from portal.tenancy import merchant_page


@merchant_page(owners_only=True)
def team(request, tenant):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invite(
                tenant.customer,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("portal:team", customer_slug=tenant.customer.slug)
    context = {
        "tenant": tenant,
        "customer": tenant.customer,
        "form": form,
        "members": tenant.filter(Membership).select_related("user").order_by("user__username"),
        "invitations": tenant.customer.invitations.filter(accepted_at__isnull=True).order_by(
            "-created_at"
        ),
    }
    return render(request, "portal/team.html", context)
