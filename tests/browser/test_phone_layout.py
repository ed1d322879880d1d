"""The main pages on a phone (390 x 844 CSS pixels): nothing wider than the
screen, so that nobody has to scroll sideways, and the heading and navigation
in view. Wide tables may scroll inside their own box (.table-wrap); the page
itself may not.

The data are made with the domain functions, with long names, a delivered log
entry and a failed submission, so that the widest parts of each page show.
"""

import pytest
from django.contrib.auth import get_user_model

from customers.keys import add_key
from customers.models import Membership
from customers.onboarding import onboard_customer
from intake import pipeline, queueing, receiving
from intake.endpoints import create_endpoint
from tests.browser.conftest import PHONE, screenshot
from tests.storage import use_log_storage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

STAFF = ("ops@provider.example", "Staff-Pass-4821")
OWNER = ("alice.angstrom@alices-teas-and-infusions.example", "Tea-Leaves-and-Kettles-77")
LONG_DOMAIN = "secure-orders.alices-teas-and-infusions.example"

# What overflows the page's width, if anything; boxes inside a scrolling
# .table-wrap are that box's business.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || element.closest('.table-wrap, .visually-hidden')) continue;
    if (box.right > width + 1 || box.left < -1) {
      wide.push(`${element.tagName.toLowerCase()}#${element.id}.${element.className} `
                + `(${Math.round(box.left)}..${Math.round(box.right)})`);
    }
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 8)};
}"""


@pytest.fixture
def shop(db, merchant_keypair, settings, tmp_path, monkeypatch):
    use_log_storage(settings, tmp_path / "intake-log")
    monkeypatch.setattr(queueing, "queue_submission", lambda submission_id: None)
    user_model = get_user_model()
    user_model.objects.create_user(
        username=STAFF[0], email=STAFF[0], password=STAFF[1], is_staff=True
    )
    customer = onboard_customer(
        "Alice's Teas and Infusions of the Far East Ltd",
        domains=[LONG_DOMAIN, "alices-teas.example"],
        email="invited.colleague@alices-teas-and-infusions.example",
    )
    owner = user_model.objects.create_user(username=OWNER[0], email=OWNER[0], password=OWNER[1])
    Membership.objects.create(user=owner, customer=customer, role="owner")
    add_key(customer, merchant_keypair.armored_public.encode())
    log_form = create_endpoint(
        customer,
        domain=customer.domains.get(name=LONG_DOMAIN),
        slug="wholesale-order-enquiry",
        delivery="log",
        name="Wholesale order enquiry",
    )
    create_endpoint(
        customer,
        domain=customer.domains.get(name=LONG_DOMAIN),
        slug="contact",
        delivery="email",
        recipients=["customer-service-team@alices-teas-and-infusions.example"],
        redirect_url=f"https://{LONG_DOMAIN}/thank-you-for-your-enquiry/",
    )
    delivered = receiving.accept(
        log_form, fields={"name": ["Zoë"]}, files=[], client_address="127.0.0.1"
    )
    assert pipeline.process(delivered.pk) == "delivered"
    failed = receiving.accept(
        log_form, fields={"name": ["Yann"]}, files=[], client_address="127.0.0.1"
    )
    pipeline.mark_failed(
        failed.pk, "The log storage refused the connection: ConnectionRefusedError(111)"
    )
    return customer, log_form


def sign_in(page, base, who):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", who[0])
    page.fill("#id_password", who[1])
    page.click("#login-submit")
    page.wait_for_selector("#logout")


def check_fits(page, url, name, problems):
    response = page.goto(url)
    assert response.ok, f"{url} answered {response.status}"
    path = screenshot(page, f"phone-{name}")
    found = page.evaluate(OVERFLOW)
    if found["scrollWidth"] > found["width"] or found["wide"]:
        problems.append(
            f"{name} ({url}): page {found['scrollWidth']}px wide on a "
            f"{found['width']}px screen; too wide: {found['wide']}; see {path}"
        )
    heading = page.locator("h1").first.bounding_box()
    if heading is None or heading["x"] < 0 or heading["x"] + heading["width"] > PHONE["width"]:
        problems.append(f"{name}: the page heading is not in view")


def test_main_pages_fit_a_phone_screen(page, live_server, public_base_url, shop):
    customer, log_form = shop
    base, slug = live_server.url, customer.slug
    page.set_viewport_size(PHONE)
    problems = []

    check_fits(page, f"{base}/login/", "login", problems)

    sign_in(page, base, STAFF)
    for name, path in [
        ("staff-customers", "/staff/"),
        ("staff-onboard", "/staff/onboard/"),
        ("staff-customer", f"/staff/customers/{slug}/"),
    ]:
        check_fits(page, base + path, name, problems)
        assert page.locator("#nav-customers").is_visible()

    sign_in(page, base, OWNER)
    for name, path in [
        ("dashboard", f"/c/{slug}/"),
        ("keys", f"/c/{slug}/keys/"),
        ("forms", f"/c/{slug}/forms/"),
        ("form-edit", f"/c/{slug}/forms/{log_form.pk}/"),
        ("log", f"/c/{slug}/log/"),
        ("audit", f"/c/{slug}/audit/"),
    ]:
        check_fits(page, base + path, name, problems)
        for link in ("#nav-dashboard", "#nav-keys", "#nav-forms", "#nav-log"):
            assert page.locator(link).is_visible(), f"{name}: {link} is not visible"

    assert not problems, "\n".join(problems)
