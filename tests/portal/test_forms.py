"""The forms pages: create and edit endpoints, and the HTML snippet."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import AuditEvent, Domain
from intake.models import FormEndpoint
from portal.forms import EndpointForm, add_domain_errors

NEW = reverse("portal:form_create", args=["alices-teas"])


def form_data(customer, **overrides):
    data = {
        "name": "Orders",
        "domain": customer.domains.get().pk,
        "slug": "orders",
        "delivery": "log",
        "recipients": "",
        "redirect_url": "",
        "allowed_origins": "",
        "max_kb": 1024,
        "enabled": "on",
    }
    data.update(overrides)
    return data


def test_forms_page_lists_forms(client, alice, alice_form):
    client.force_login(alice)
    response = client.get(reverse("portal:forms", args=["alices-teas"]))
    assert response.status_code == 200
    assert b"/f/alices-teas.example/contact/" in response.content


def test_empty_forms_page_says_what_to_do(client, alice):
    client.force_login(alice)
    response = client.get(reverse("portal:forms", args=["alices-teas"]))
    assert b"Create your first form" in response.content


def test_the_domain_choice_holds_only_the_customers_domains(client, alice, bobs_bakery):
    client.force_login(alice)
    response = client.get(NEW)
    assert b"alices-teas.example" in response.content
    assert b"bobs-bakery.example" not in response.content


def test_owner_creates_a_form_and_gets_the_snippet(client, alice, alices_teas, settings):
    settings.PUBLIC_BASE_URL = "https://panel.provider.example"
    client.force_login(alice)

    response = client.post(NEW, form_data(alices_teas), follow=True)

    endpoint = FormEndpoint.objects.get(slug="orders")
    assert response.redirect_chain[-1][0] == reverse(
        "portal:form_edit", args=["alices-teas", endpoint.pk]
    )
    snippet = html.unescape(response.content.decode())
    action = 'action="https://panel.provider.example/f/alices-teas.example/orders/"'
    assert f'<form method="post" {action}' in snippet
    assert 'name="_cape_hp"' in snippet
    assert AuditEvent.objects.filter(action="form.created", actor=alice).exists()


def test_email_delivery_with_recipients(client, alice, alices_teas):
    client.force_login(alice)
    client.post(
        NEW,
        form_data(
            alices_teas,
            delivery="email",
            recipients="orders@alices-teas.example\nalice@alices-teas.example",
        ),
    )
    endpoint = FormEndpoint.objects.get(slug="orders")
    assert endpoint.recipients == [
        "orders@alices-teas.example",
        "alice@alices-teas.example",
    ]


def test_an_e_mail_form_says_its_submissions_are_not_in_the_log(client, alice, alice_form):
    client.force_login(alice)
    url = reverse("portal:form_edit", args=["alices-teas", alice_form.pk])
    assert b"See them in the log" in client.get(url).content

    alice_form.delivery = "email"
    alice_form.recipients = ["shop@alices-teas.example"]
    alice_form.save()

    content = client.get(url).content
    assert b"See them in the log" not in content
    assert b"are not kept in the log" in content


def test_email_delivery_without_recipients_is_refused(client, alice, alices_teas):
    client.force_login(alice)
    response = client.post(NEW, form_data(alices_teas, delivery="email"))
    assert response.status_code == 400
    assert b"at least one address" in response.content


def test_a_duplicate_slug_is_refused(client, alice, alice_form):
    client.force_login(alice)
    response = client.post(NEW, form_data(alice_form.customer, slug="contact"))
    assert response.status_code == 400
    assert "already has a form called “contact”".encode() in response.content
    assert FormEndpoint.objects.count() == 1


def test_another_customers_domain_is_refused(client, alice, alices_teas, bobs_bakery):
    client.force_login(alice)
    bobs_domain = Domain.objects.get(name="bobs-bakery.example")
    response = client.post(NEW, form_data(alices_teas, domain=bobs_domain.pk))
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert not FormEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url", ["https://bobs-bakery.example/thanks", "https://alices-teas.example.evil/"]
)
def test_a_thank_you_page_on_a_foreign_domain_is_refused(client, alice, alices_teas, url):
    client.force_login(alice)
    response = client.post(NEW, form_data(alices_teas, redirect_url=url))
    assert response.status_code == 400
    assert b"must be on one of your own domains" in response.content
    assert not FormEndpoint.objects.exists()


def test_a_thank_you_page_on_a_subdomain_is_fine(client, alice, alices_teas):
    client.force_login(alice)
    url = "https://www.alices-teas.example/thanks"
    response = client.post(NEW, form_data(alices_teas, redirect_url=url))
    assert response.status_code == 302
    assert FormEndpoint.objects.get().redirect_url == url


def test_a_foreign_allowed_origin_is_refused(client, alice, alices_teas):
    client.force_login(alice)
    response = client.post(
        NEW, form_data(alices_teas, allowed_origins="https://bobs-bakery.example")
    )
    assert response.status_code == 400
    assert b"is not one of your domains" in response.content


def test_owner_edits_a_form(client, alice, alice_form):
    client.force_login(alice)
    url = reverse("portal:form_edit", args=["alices-teas", alice_form.pk])
    page = client.get(url)
    assert b'value="contact"' in page.content

    data = form_data(alice_form.customer, slug="contact", max_kb=4)
    del data["enabled"]
    response = client.post(url, data)

    assert response.status_code == 302
    alice_form.refresh_from_db()
    assert (alice_form.enabled, alice_form.max_bytes) == (False, 4096)
    assert AuditEvent.objects.filter(action="form.changed").exists()


def test_the_size_limit_is_given_in_kb_and_kept_in_bytes(client, alice, alice_form, settings):
    client.force_login(alice)
    url = reverse("portal:form_edit", args=["alices-teas", alice_form.pk])
    page = client.get(url).content.decode()
    assert "Size limit (KB)" in page
    assert f'value="{alice_form.max_bytes // 1024}"' in page
    assert "(bytes)" not in page
    assert "1.0\xa0MB" in client.get(reverse("portal:forms", args=["alices-teas"])).content.decode()

    too_big = settings.INTAKE_MAX_BODY_BYTES // 1024 + 1
    refused = client.post(url, form_data(alice_form.customer, slug="contact", max_kb=too_big))
    assert refused.status_code == 400
    assert b"less than or equal to" in refused.content


def test_an_odd_byte_limit_survives_an_unrelated_edit(client, alice, alice_form):
    """A limit set elsewhere in bytes is not rounded to KB by saving the form."""
    alice_form.max_bytes = 1500
    alice_form.save()
    client.force_login(alice)
    url = reverse("portal:form_edit", args=["alices-teas", alice_form.pk])
    assert b'value="2"' in client.get(url).content  # rounded up for display

    client.post(url, form_data(alice_form.customer, slug="contact", name="Renamed", max_kb=2))

    alice_form.refresh_from_db()
    assert (alice_form.name, alice_form.max_bytes) == ("Renamed", 1500)


def test_the_endpoints_own_size_check_lands_beside_the_field(alices_teas):
    """intake.endpoints still decides: its "max_bytes" error shows at the KB field."""
    form = EndpointForm(form_data(alices_teas), customer=alices_teas)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["max_bytes"] == 1024 * 1024

    add_domain_errors(form, ValidationError({"max_bytes": "Too large."}))

    assert form.errors["max_kb"] == ["Too large."]


def test_a_bad_slug_is_explained_as_the_help_text_says(client, alice, alices_teas):
    client.force_login(alice)
    response = client.post(NEW, form_data(alices_teas, slug="tea order!"))
    assert response.status_code == 400
    content = response.content.decode()
    assert "Use only letters, digits, hyphens and underscores." in content
    assert "letters, digits, hyphens and underscores." in content  # the help text


def test_member_reads_settings_but_cannot_edit(client, amy, alice_form):
    client.force_login(amy)
    url = reverse("portal:form_edit", args=["alices-teas", alice_form.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"<fieldset disabled>" in page.content
    assert b'id="endpoint-form"' not in page.content
    assert client.post(url, form_data(alice_form.customer)).status_code == 403
