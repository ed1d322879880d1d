import uuid

from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET

from capepanel.clients import client_address
from intake import parsing, receiving
from intake.receiving import Refused


def _wants_json(request):
    accept = request.META.get("HTTP_ACCEPT", "")
    return "application/json" in accept or parsing.media_type(request) == parsing.JSON


def _refusal(request, refused):
    if _wants_json(request):
        return JsonResponse({"error": refused.message}, status=refused.status)
    return render(
        request, "intake/refused.html", {"message": refused.message}, status=refused.status
    )


# Forms are posted from the merchants' own sites, so CSRF tokens cannot apply;
# the origin check in receiving.check_origin takes their place.
@csrf_exempt
@sensitive_post_parameters()
@sensitive_variables()
def receive(request, domain, slug):
    try:
        endpoint = receiving.find_endpoint(domain, slug)
        if request.method != "POST":
            raise Refused(405, "This address receives form posts only.")
        client = client_address(request)
        receiving.check_rate(client, endpoint)
        receiving.check_can_encrypt(endpoint)
        receiving.check_size(request, endpoint)
        receiving.check_content_type(request)
        receiving.check_origin(request, endpoint)
        fields, files = receiving.read_post(request)
    except Refused as refused:
        response = _refusal(request, refused)
        if refused.status == 405:
            response["Allow"] = "POST"
        elif refused.status in (429, 503):
            response["Retry-After"] = "60" if refused.status == 429 else "3600"
        return response

    if receiving.is_honeypot_filled(fields, files):
        # Bots are thanked like people, so they learn nothing, and kept nothing.
        submission_id = uuid.uuid4()
    else:
        submission_id = receiving.accept(
            endpoint, fields=fields, files=files, client_address=client
        ).pk

    if _wants_json(request):
        return JsonResponse(
            {"id": str(submission_id), "status": "received"},
            status=202,
        )
    return HttpResponseRedirect(endpoint.redirect_url or reverse("intake:thanks"), status=303)


@require_GET
def thanks(request):
    return render(request, "intake/thanks.html")
