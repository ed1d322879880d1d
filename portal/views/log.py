"""The customer's encrypted log: browse entries and download a range.

Nothing here decrypts: the download is the stored OpenPGP messages, one after
another, for the merchant to decrypt with their own secret key.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from customers import audit
from intake import logs
from intake.models import FormEndpoint, Submission
from intake.pipeline import redeliver
from portal.forms import LogFilterForm
from portal.tenancy import merchant_page

PAGE_SIZE = 50
PROBLEMS_SHOWN = 20


def _log_forms(tenant):
    """The forms that can have log entries: those delivering to the log, and any
    switched to e-mail since, whose earlier entries are still there. E-mail
    deliveries are not kept in the log, so other forms are not offered."""
    in_log = Submission.objects.filter(
        endpoint=OuterRef("pk"), status=Submission.Status.DELIVERED
    ).exclude(log_name="")
    return (
        tenant.filter(FormEndpoint)
        .filter(Q(delivery=FormEndpoint.Delivery.LOG) | Exists(in_log))
        .select_related("domain")
    )


def _filtered(request, tenant):
    """The filter form and the entries it selects (None if the form is invalid)."""
    form = LogFilterForm(request.GET or None, endpoints=_log_forms(tenant))
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    entries = logs.entries(
        tenant.customer,
        form=data.get("form"),
        since=data.get("since"),
        until=data.get("until"),
    )
    return form, entries


@merchant_page
@require_GET
def log(request, tenant):
    form, entries = _filtered(request, tenant)
    page = None
    if entries is not None:
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    problems = (
        tenant.filter(Submission)
        .filter(status__in=[Submission.Status.FAILED, Submission.Status.HELD])
        .select_related("endpoint__domain")[:PROBLEMS_SHOWN]
    )
    context = {
        "tenant": tenant,
        "customer": tenant.customer,
        "form": form,
        "page": page,
        "problems": problems,
        "has_forms": tenant.filter(FormEndpoint).exists(),
        "email_forms": tenant.filter(FormEndpoint)
        .filter(delivery=FormEndpoint.Delivery.EMAIL)
        .exists(),
    }
    return render(request, "portal/log.html", context, status=200 if page is not None else 400)


def _back_to_log(request, tenant):
    """To the log page with the same filter, so that the choices are kept."""
    url = reverse("portal:log", kwargs={"customer_slug": tenant.customer.slug})
    query = request.GET.copy()
    query.pop("page", None)
    return redirect(f"{url}?{query.urlencode()}" if query else url)


@merchant_page
@require_GET
def download(request, tenant):
    form, entries = _filtered(request, tenant)
    if entries is None:
        # The log page shows the filter's errors beside its fields.
        return _back_to_log(request, tenant)
    data = form.cleaned_data if form.is_bound else {}
    count = entries.count()
    if count == 0:
        messages.warning(request, "There are no log entries in that range.")
        return _back_to_log(request, tenant)

    since, until = data.get("since"), data.get("until")
    name = "-".join(
        part
        for part in [
            tenant.customer.slug,
            data["form"].slug if data.get("form") else "",
            since.isoformat() if since else "",
            until.isoformat() if until else "",
        ]
        if part
    )
    response = StreamingHttpResponse(
        logs.messages(entries), content_type="application/pgp-encrypted"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.asc"'
    audit.record(
        "log.downloaded",
        actor=request.user,
        customer=tenant.customer,
        detail=f"{count} entries, form={data['form'].slug if data.get('form') else 'all'}"
        f", from={since or 'start'}, to={until or 'now'}",
    )
    return response


@merchant_page
@require_POST
def redeliver_submission(request, tenant, submission_id):
    submission = tenant.get(Submission, pk=submission_id)
    try:
        redeliver(submission, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The submission is queued for delivery again.")
    return redirect("portal:log", customer_slug=tenant.customer.slug)
