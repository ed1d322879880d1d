"""The customer's form endpoints: list, create, edit, and the HTML snippet."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from intake.endpoints import create_endpoint, update_endpoint
from intake.models import FormEndpoint, Submission
from portal.forms import EndpointForm, add_domain_errors
from portal.snippets import form_action, html_snippet
from portal.tenancy import merchant_page


@merchant_page
def endpoint_list(request, tenant):
    endpoints = tenant.filter(FormEndpoint).select_related("domain")
    context = {
        "tenant": tenant,
        "customer": tenant.customer,
        "endpoints": endpoints,
        "has_domains": tenant.customer.domains.exists(),
        "usable_key": tenant.customer.active_key(),
    }
    return render(request, "portal/forms.html", context)


@merchant_page
def endpoint_create(request, tenant):
    form = EndpointForm(request.POST or None, customer=tenant.customer)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = create_endpoint(tenant.customer, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request,
                f"Form {endpoint} created. Paste the snippet below into your site.",
            )
            return redirect(
                "portal:form_edit",
                customer_slug=tenant.customer.slug,
                endpoint_id=endpoint.pk,
            )
    return _edit_page(request, tenant, form, endpoint=None)


@merchant_page
def endpoint_edit(request, tenant, endpoint_id):
    endpoint = tenant.get(FormEndpoint, pk=endpoint_id)
    form = EndpointForm(
        request.POST or None,
        customer=tenant.customer,
        initial=EndpointForm.initial_for(endpoint),
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_endpoint(endpoint, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, f"Form {endpoint} saved.")
            return redirect(
                "portal:form_edit",
                customer_slug=tenant.customer.slug,
                endpoint_id=endpoint.pk,
            )
    return _edit_page(request, tenant, form, endpoint=endpoint)


def _edit_page(request, tenant, form, *, endpoint):
    context = {
        "tenant": tenant,
        "customer": tenant.customer,
        "form": form,
        "endpoint": endpoint,
        "read_only": not tenant.is_owner,
    }
    if endpoint is not None:
        context["action_url"] = form_action(endpoint)
        context["snippet"] = html_snippet(endpoint)
        context["submission_count"] = tenant.filter(Submission).filter(endpoint=endpoint).count()
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "portal/form_edit.html", context, status=status)
