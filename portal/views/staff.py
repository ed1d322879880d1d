"""Pages for the provider's staff: customers, onboarding, and the audit log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from customers.models import AuditEvent, Customer
from customers.onboarding import invite, onboard_customer
from intake.models import Submission
from intake.pipeline import redeliver
from portal.forms import InviteForm, OnboardForm, SearchForm, add_domain_errors
from portal.tenancy import staff_page
from portal.views.dashboard import status_counts

PAGE_SIZE = 50
RECENT_PROBLEMS = 20


@staff_page
def customer_list(request):
    search = SearchForm(request.GET or None)
    customers = (
        Customer.objects.annotate(form_count=Count("form_endpoints", distinct=True))
        .prefetch_related("domains")
        .order_by("name")
    )
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    if query:
        customers = customers.filter(
            Q(name__icontains=query)
            | Q(slug__icontains=query)
            | Q(domains__name__icontains=query)
            | Q(contact_email__icontains=query)
        ).distinct()
    context = {
        "search": search,
        "query": query,
        "page": Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "staff/customers.html", context)


@staff_page
def onboard(request):
    form = OnboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = onboard_customer(
                form.cleaned_data["name"],
                domains=form.cleaned_data["domains"],
                email=form.cleaned_data["email"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request,
                f"{customer} is set up. An invitation went to {form.cleaned_data['email']}.",
            )
            return redirect("portal:staff_customer", slug=customer.slug)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "staff/onboard.html", {"form": form}, status=status)


@staff_page
def customer_detail(request, slug):
    customer = get_object_or_404(Customer, slug=slug)
    submissions = Submission.objects.filter(endpoint__customer=customer)
    problems = submissions.filter(
        status__in=[Submission.Status.FAILED, Submission.Status.HELD]
    ).select_related("endpoint__domain")[:RECENT_PROBLEMS]
    context = {
        "customer": customer,
        "domains": customer.domains.all(),
        "keys": customer.public_keys.all(),
        "usable_key": customer.active_key(),
        "endpoints": customer.form_endpoints.select_related("domain"),
        "status_counts": status_counts(submissions),
        "problems": problems,
        "members": customer.memberships.select_related("user"),
        "invitations": customer.invitations.filter(accepted_at__isnull=True),
        "events": customer.audit_events.select_related("actor")[:30],
        "invite_form": InviteForm(),  # read-only unless staff choose otherwise
    }
    return render(request, "staff/customer.html", context)


@staff_page
@require_POST
def invite_to_customer(request, slug):
    customer = get_object_or_404(Customer, slug=slug)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter an e-mail address and a role.")
    else:
        try:
            invite(
                customer,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
    return redirect("portal:staff_customer", slug=customer.slug)


@staff_page
@require_POST
def redeliver_submission(request, submission_id):
    submission = get_object_or_404(
        Submission.objects.select_related("endpoint__customer"), pk=submission_id
    )
    try:
        redeliver(submission, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The submission is queued for delivery again.")
    return redirect("portal:staff_customer", slug=submission.endpoint.customer.slug)


@staff_page
def audit_log(request):
    events = AuditEvent.objects.select_related("actor", "customer")
    customer_slug = request.GET.get("customer", "")
    customer = None
    if customer_slug:
        events = events.filter(customer__slug=customer_slug)
        customer = Customer.objects.filter(slug=customer_slug).first()
    context = {
        "page": Paginator(events, PAGE_SIZE).get_page(request.GET.get("page")),
        "customer_slug": customer_slug,
        "customer": customer,
        "show_customer": not customer_slug,  # one customer: no need for the column
    }
    return render(request, "staff/audit.html", context)
