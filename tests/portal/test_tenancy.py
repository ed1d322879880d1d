"""Tenant isolation and roles, across every portal page.

Another customer's pages and objects answer 404, whether reached through
their slug or through one's own slug with their object's id.
"""

import pytest
from django.urls import reverse

# (url name, method, which object id the URL needs)
MERCHANT_PAGES = [
    ("portal:dashboard", "get", None),
    ("portal:keys", "get", None),
    ("portal:keys", "post", None),
    ("portal:send_test", "post", None),
    ("portal:key_retire", "post", "key"),
    ("portal:key_retire_confirm", "get", "key"),
    ("portal:forms", "get", None),
    ("portal:form_create", "get", None),
    ("portal:form_create", "post", None),
    ("portal:form_edit", "get", "endpoint"),
    ("portal:form_edit", "post", "endpoint"),
    ("portal:log", "get", None),
    ("portal:log_download", "get", None),
    ("portal:redeliver", "post", "submission"),
    ("portal:audit", "get", None),
    ("portal:team", "get", None),
    ("portal:team", "post", None),
]

STAFF_PAGES = [
    ("portal:staff_customers", "get", {}),
    ("portal:staff_onboard", "get", {}),
    ("portal:staff_onboard", "post", {}),
    ("portal:staff_audit", "get", {}),
    ("portal:staff_customer", "get", {"slug": "bobs-bakery"}),
    ("portal:staff_invite", "post", {"slug": "bobs-bakery"}),
]


@pytest.fixture
def bobs_objects(bobs_bakery, bob_form, bob_failed):
    return {
        "key": ("key_id", bobs_bakery.public_keys.get().pk),
        "endpoint": ("endpoint_id", bob_form.pk),
        "submission": ("submission_id", bob_failed.pk),
    }


def merchant_url(name, slug, needs, objects):
    kwargs = {"customer_slug": slug}
    if needs:
        key, value = objects[needs]
        kwargs[key] = value
    return reverse(name, kwargs=kwargs)


def test_every_merchant_url_is_listed():
    """A new portal page must join the isolation tests below."""
    from portal.urls import merchant_urls

    listed = {name.split(":")[1] for name, _, _ in MERCHANT_PAGES}
    assert {pattern.name for pattern in merchant_urls} == listed


@pytest.mark.parametrize("name,method,needs", MERCHANT_PAGES)
def test_another_customers_slug_is_not_found(client, alice, bobs_objects, name, method, needs):
    client.force_login(alice)
    url = merchant_url(name, "bobs-bakery", needs, bobs_objects)
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize("name,method,needs", [p for p in MERCHANT_PAGES if p[2]])
def test_another_customers_object_under_own_slug_is_not_found(
    client, alice, bobs_objects, name, method, needs
):
    client.force_login(alice)
    url = merchant_url(name, "alices-teas", needs, bobs_objects)
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize("name,method,needs", MERCHANT_PAGES)
def test_staff_without_membership_do_not_see_merchant_pages(
    client, sam, bobs_objects, name, method, needs
):
    client.force_login(sam)
    url = merchant_url(name, "bobs-bakery", needs, bobs_objects)
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize("name,method,needs", MERCHANT_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, bobs_objects, name, method, needs):
    url = merchant_url(name, "bobs-bakery", needs, bobs_objects)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login") + "?next=")


@pytest.mark.parametrize("name,method,needs", [p for p in MERCHANT_PAGES if p[1] == "post"])
def test_members_cannot_change_anything(client, amy, alice_form, name, method, needs):
    customer = alice_form.customer
    objects = {
        "key": ("key_id", customer.public_keys.get().pk),
        "endpoint": ("endpoint_id", alice_form.pk),
        "submission": ("submission_id", _failed(alice_form).pk),
    }
    client.force_login(amy)
    url = merchant_url(name, "alices-teas", needs, objects)
    assert client.post(url).status_code == 403


def _failed(endpoint):
    from tests.portal.conftest import make_submission

    return make_submission(endpoint, "failed")


@pytest.mark.parametrize("name", ["portal:audit", "portal:team"])
def test_owner_only_pages_refuse_members(client, amy, name):
    client.force_login(amy)
    assert client.get(reverse(name, args=["alices-teas"])).status_code == 403


@pytest.mark.parametrize("name,method,kwargs", STAFF_PAGES)
def test_staff_pages_refuse_merchants(client, bob, name, method, kwargs):
    client.force_login(bob)
    assert getattr(client, method)(reverse(name, kwargs=kwargs)).status_code == 403


def test_staff_redeliver_refuses_merchants(client, bob, bob_failed):
    client.force_login(bob)
    url = reverse("portal:staff_redeliver", args=[bob_failed.pk])
    assert client.post(url).status_code == 403
    bob_failed.refresh_from_db()
    assert bob_failed.status == "failed"


@pytest.mark.parametrize("name,method,kwargs", STAFF_PAGES)
def test_staff_pages_send_anonymous_visitors_to_sign_in(client, name, method, kwargs, db):
    response = getattr(client, method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_someone_in_two_customers_picks_one(client, alice, bobs_bakery):
    from customers.models import Membership

    Membership.objects.create(user=alice, customer=bobs_bakery, role="member")
    client.force_login(alice)

    response = client.get(reverse("portal:home"), follow=True)

    assert response.status_code == 200
    assert b"Choose a customer" in response.content
    assert client.get(reverse("portal:dashboard", args=["bobs-bakery"])).status_code == 200
    # Member at Bob's: read-only there, owner at home.
    assert client.post(reverse("portal:form_create", args=["bobs-bakery"])).status_code == 403
