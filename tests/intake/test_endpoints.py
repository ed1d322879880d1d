"""Creating and changing form endpoints: every rule, in the words a merchant sees."""

import pytest
from django.core.exceptions import ValidationError

from customers.models import AuditEvent, Customer, Domain
from intake.endpoints import create_endpoint, update_endpoint
from intake.models import FormEndpoint


def create(customer, **fields):
    fields.setdefault("domain", customer.domains.first())
    fields.setdefault("slug", "order")
    fields.setdefault("delivery", "log")
    return create_endpoint(customer, **fields)


def errors_of(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_a_new_form_is_audited(merchant):
    endpoint = create(merchant)
    assert endpoint.path == "/f/alices-teas.example/order/"
    assert AuditEvent.objects.get(action="form.created").detail == "alices-teas.example/order"


def test_a_domain_of_another_customer_is_refused(merchant, keyless_merchant):
    bobs_domain = keyless_merchant.domains.get()
    assert errors_of(lambda: create(merchant, domain=bobs_domain)) == {
        "domain": ["Choose one of your own domains."]
    }
    assert not FormEndpoint.objects.exists()


def test_a_slug_used_on_the_domain_already_is_refused(merchant):
    create(merchant)
    assert errors_of(lambda: create(merchant)) == {
        "slug": ["alices-teas.example already has a form called “order”."]
    }


@pytest.mark.parametrize(
    "url, message",
    [
        ("https://evil.example/thanks", "The thank-you page must be on one of your own domains."),
        ("javascript:alert(1)", "Give a full web address, starting with https://."),
        ("//evil.example/", "Give a full web address, starting with https://."),
    ],
)
def test_thank_you_pages_must_be_the_merchants_own(merchant, url, message):
    assert errors_of(lambda: create(merchant, redirect_url=url)) == {"redirect_url": [message]}


def test_a_thank_you_page_on_a_subdomain_is_the_merchants_own(merchant):
    endpoint = create(merchant, redirect_url="https://shop.alices-teas.example/thanks")
    assert endpoint.redirect_url == "https://shop.alices-teas.example/thanks"


def test_email_delivery_needs_valid_recipients(merchant):
    assert errors_of(lambda: create(merchant, delivery="email")) == {
        "recipients": ["Give at least one address for e-mail delivery."]
    }
    assert errors_of(
        lambda: create(merchant, delivery="email", recipients="a@x.example\nnope")
    ) == {"recipients": ["“nope” is not an e-mail address."]}
    endpoint = create(merchant, delivery="email", recipients="a@x.example, b@x.example")
    assert endpoint.recipients == ["a@x.example", "b@x.example"]


def test_allowed_origins_must_be_the_merchants_own_sites(merchant):
    assert errors_of(lambda: create(merchant, allowed_origins=["https://evil.example"])) == {
        "allowed_origins": ["“evil.example” is not one of your domains."]
    }
    endpoint = create(merchant, allowed_origins="shop.alices-teas.example")
    assert endpoint.allowed_origins == ["https://shop.alices-teas.example"]


def test_size_limits_stay_between_one_kilobyte_and_the_ceiling(merchant):
    assert "max_bytes" in errors_of(lambda: create(merchant, max_bytes=10))
    assert "max_bytes" in errors_of(lambda: create(merchant, max_bytes=10**9))


def test_a_change_is_checked_and_audited_and_a_bad_one_changes_nothing(merchant):
    endpoint = create(merchant)
    update_endpoint(endpoint, enabled=False)
    assert AuditEvent.objects.get(action="form.changed").detail == (
        "alices-teas.example/order: enabled"
    )

    with pytest.raises(ValidationError):
        update_endpoint(endpoint, redirect_url="https://evil.example/")
    assert FormEndpoint.objects.get(pk=endpoint.pk).redirect_url == ""


def test_unknown_fields_are_a_programming_error(merchant):
    endpoint = create(merchant)
    with pytest.raises(TypeError):
        update_endpoint(endpoint, customer=Customer(name="x"))
    assert Domain.objects.count() == 1
