"""The audit log as a merchant owner sees it: their own customer's events."""

from django.core.paginator import Paginator
from django.shortcuts import render

from customers.models import AuditEvent
from portal.tenancy import merchant_page

PAGE_SIZE = 50


@merchant_page(owners_only=True)
def audit_log(request, tenant):
    events = tenant.filter(AuditEvent).select_related("actor")
    context = {
        "tenant": tenant,
        "customer": tenant.customer,
        "page": Paginator(events, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "portal/audit.html", context)
