"""The 404, 403 and 500 pages: the panel's own, in plain words."""

from django.test import RequestFactory
from django.views import defaults


def test_an_unknown_address_shows_the_panels_404_page(client, alice):
    client.force_login(alice)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "Page not found" in content
    assert 'href="/" id="error-home">Go to your dashboard<' in content
    assert "capepanel.css" in content


def test_another_customers_page_is_the_same_404(client, alice, bobs_bakery):
    client.force_login(alice)
    response = client.get("/c/bobs-bakery/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Bob" not in response.content


def test_a_merchant_on_a_staff_page_gets_the_403_page(client, alice):
    client.force_login(alice)
    response = client.get("/staff/")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "This page is for the provider&#x27;s staff." in content
    assert 'href="/" id="error-home">Go to your dashboard<' in content


def test_a_member_on_an_owners_page_gets_the_403_page(client, amy):
    client.force_login(amy)
    response = client.get("/c/alices-teas/audit/")
    assert response.status_code == 403
    assert b"Only the customer&#x27;s owners may do this." in response.content


def test_the_500_page_stands_alone(db, django_assert_num_queries):
    """No context processors, no database: it must render when those fail."""
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = defaults.server_error(request)
    assert response.status_code == 500
    content = response.content.decode()
    assert "Something went wrong" in content
    assert "/static/capepanel.css" in content
    assert 'class="topbar"' not in content  # not base.html, which needs the user


def test_a_stale_or_foreign_form_gets_a_page_that_says_what_to_do(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "a@b.example", "password": "x"})

    assert response.status_code == 403
    assert b"Please try again" in response.content
    assert b"Nothing was changed" in response.content
