"""The whole life of a merchant, in a real browser.

Staff onboard a customer; the owner accepts the e-mailed invitation, adds a key
and creates a form; the merchant's own page, on another origin, posts that form
with a file, repeated checkboxes and non-ASCII text; a real Celery worker
encrypts and files it; the merchant downloads the log range, and gpg decrypts
every message of the download to exactly what was posted.
"""

import base64
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from customers.models import Customer
from intake.models import Submission
from tests.browser.conftest import SITE_HOST, screenshot
from tests.e2e.conftest import wait_for
from tests.gpg import decrypt

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

STAFF_EMAIL = "ops@provider.example"
STAFF_PASSWORD = "Staff-Pass-4821"
OWNER_EMAIL = "alice@alices-teas.example"
OWNER_PASSWORD = "Tea-Leaves-and-Kettles-77"

NAME = "Zoë Ångström 玄米茶"
EMAIL = "zoe@example.org"
MESSAGE = "Two boxes, please.\nLeave them by the door — thanks!"
ITEMS = ["Darjeeling", "Genmaicha 玄米茶"]
RECEIPT_NAME = "quittung für Zoë.txt"
RECEIPT = "Betrag: 12,50 €\nfür Zoë\n".encode()

EXTRA_FIELDS = """
  <fieldset>
    <legend>Teas</legend>
    <label><input type="checkbox" name="item" value="Darjeeling"> Darjeeling</label>
    <label><input type="checkbox" name="item" value="Genmaicha 玄米茶"> Genmaicha</label>
    <label><input type="checkbox" name="item" value="Rooibos"> Rooibos</label>
  </fieldset>
  <label>Receipt <input type="file" name="receipt" id="receipt"></label>
"""


def merchant_page_html(snippet):
    """The merchant's page: the snippet as given, with a few more fields."""
    button = '<button type="submit">Send</button>'
    assert button in snippet, snippet
    form = snippet.replace(button, EXTRA_FIELDS + "  " + button)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Alice's Teas: order</title></head>
<body><h1>Order tea</h1>
{form}
</body></html>
"""


def messages_text(page):
    return page.locator(".messages").inner_text() if page.locator(".messages").count() else ""


def split_armored(data):
    marker = b"-----BEGIN PGP MESSAGE-----"
    assert data.startswith(marker), data[:80]
    return [marker + part for part in data.split(marker)[1:]]


def test_onboard_invite_key_form_post_deliver_download_and_decrypt(
    page, live_server, public_base_url, merchant_site, worker, merchant_keypair, tmp_path
):
    base = live_server.url
    worker.start()  # early: it takes a few seconds, and waits for work meanwhile
    get_user_model().objects.create_user(
        username=STAFF_EMAIL, email=STAFF_EMAIL, password=STAFF_PASSWORD, is_staff=True
    )

    # --- Staff: sign in, onboard the customer -------------------------------------
    page.goto(f"{base}/staff/")
    assert "/login/" in page.url, "staff pages ask for a sign-in"
    screenshot(page, "login")
    page.fill("#id_username", STAFF_EMAIL)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/staff/")
    screenshot(page, "staff-customers-empty")

    page.click("#onboard-link")
    page.wait_for_url(f"{base}/staff/onboard/")
    page.fill("#id_name", "Alice's Teas")
    page.fill("#id_domains", f"{SITE_HOST}\nalices-teas.example")
    page.fill("#id_email", OWNER_EMAIL)
    screenshot(page, "staff-onboard")
    page.click("#onboard-submit")
    page.wait_for_url(re.compile(r".*/staff/customers/[\w-]+/$"))
    assert f"An invitation went to {OWNER_EMAIL}" in messages_text(page)
    customer = Customer.objects.get(name="Alice's Teas")
    slug = customer.slug
    domains = page.locator("#domains").inner_text()
    assert SITE_HOST in domains and "alices-teas.example" in domains
    assert "No usable key" in page.locator("#keys").inner_text()
    assert OWNER_EMAIL in page.locator("#people").inner_text()
    screenshot(page, "staff-customer")

    page.click("#nav-customers")
    page.wait_for_url(f"{base}/staff/")
    page.fill("#id_q", "alice")
    page.click("#customer-search button[type=submit]")
    page.wait_for_url(re.compile(r".*\?q=alice"))
    assert "Alice's Teas" in page.locator("#customer-table").inner_text()
    screenshot(page, "staff-customers")
    page.click("#logout")
    page.wait_for_url(re.compile(r".*/login/"))
    assert "You are signed out." in messages_text(page)

    # --- The owner: invitation e-mail, password ----------------------------------
    [invitation] = [m for m in mail.outbox if OWNER_EMAIL in m.to]
    link = re.search(r"(https?://\S+/invite/\S+/)", invitation.body).group(1)
    assert link.startswith(f"{base}/invite/"), link
    page.goto(link)
    assert page.locator("#invitation-email").inner_text() == OWNER_EMAIL
    screenshot(page, "invitation")
    page.fill("#id_new_password1", OWNER_PASSWORD)
    page.fill("#id_new_password2", OWNER_PASSWORD)
    page.click("#invitation-submit")
    page.wait_for_url(f"{base}/c/{slug}/")
    assert "Welcome to Cape Panel" in messages_text(page)
    assert page.locator("#key-warning").is_visible(), "no key yet: the dashboard warns"
    screenshot(page, "dashboard-new")

    # The link works once.
    assert page.goto(link).status == 410
    assert page.locator("#invitation-form").count() == 0
    page.goto(f"{base}/c/{slug}/")

    # --- Keys: a pasted non-key is refused in plain words, the file is taken ------
    page.click("#nav-keys")
    page.wait_for_url(f"{base}/c/{slug}/keys/")
    assert page.locator("#no-key").is_visible()
    page.fill("#id_key_text", "this is my key, honest")
    page.click("#key-submit")
    error = page.locator("#key-form .form-errors").inner_text()
    assert error.startswith("This key cannot be used:"), error
    screenshot(page, "keys-refused")

    key_file = tmp_path / "alice.asc"
    key_file.write_text(merchant_keypair.armored_public, encoding="ascii")
    page.fill("#id_key_text", "")
    page.set_input_files("#id_key_file", str(key_file))
    page.click("#key-submit")
    page.wait_for_url(f"{base}/c/{slug}/keys/")
    fingerprint = merchant_keypair.fingerprint
    grouped = " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))
    assert f"Key {grouped} added" in messages_text(page)
    active = page.locator("#active-keys").inner_text()
    assert grouped in active and "keys@alices-teas.example" in active
    assert page.locator("#no-key").count() == 0
    screenshot(page, "keys")

    # --- Forms: create one delivering to the log ----------------------------------
    page.click("#nav-forms")
    page.wait_for_url(f"{base}/c/{slug}/forms/")
    screenshot(page, "forms-empty")
    page.click("#form-create")
    page.wait_for_url(f"{base}/c/{slug}/forms/new/")
    page.fill("#id_name", "Tea order")
    page.select_option("#id_domain", label=SITE_HOST)
    page.fill("#id_slug", "order")
    assert page.locator("#id_delivery input[value=log]").is_checked()
    page.click("#endpoint-submit")
    page.wait_for_url(re.compile(rf".*/c/{slug}/forms/[0-9a-f-]{{36}}/$"))
    action = f"{base}/f/{SITE_HOST}/order/"
    assert page.locator("#form-action").inner_text() == action
    snippet = page.locator("#form-snippet").input_value()
    assert f'action="{action}"' in snippet
    screenshot(page, "form-edit")
    page.click("#nav-forms")
    page.wait_for_url(f"{base}/c/{slug}/forms/")
    assert "Tea order" in page.locator("#form-table").inner_text()
    screenshot(page, "forms")

    # --- "Send me a test": a first log entry, encrypted to the new key -------------
    page.click("#nav-keys")
    page.wait_for_url(f"{base}/c/{slug}/keys/")
    page.click("#send-test")
    page.wait_for_selector(".messages >> text=A test message is on its way to: log of")

    # --- A visitor posts the form from the merchant's own site --------------------
    site_url = merchant_site.publish("order.html", merchant_page_html(snippet))
    page.goto(site_url)
    assert page.evaluate("location.origin") == merchant_site.origin
    page.fill("input[name=name]", NAME)
    page.fill("input[name=email]", EMAIL)
    page.fill("textarea[name=message]", MESSAGE)
    for item in ITEMS:
        page.check(f"input[name=item][value='{item}']")
    page.set_input_files(
        "#receipt", {"name": RECEIPT_NAME, "mimeType": "text/plain", "buffer": RECEIPT}
    )
    screenshot(page, "merchant-site")
    with page.expect_navigation(url=f"{base}/f/thanks/"):
        page.click("form button[type=submit]")
    screenshot(page, "thanks")

    posted = wait_for(lambda: Submission.objects.filter(is_test=False).first())
    assert posted.endpoint.customer == customer
    wait_for(
        lambda: Submission.objects.filter(status="delivered").count() == 2,
        timeout=60,
    )
    posted.refresh_from_db()
    assert posted.key_fingerprint == fingerprint

    # The same page on another host (127.0.0.1 is not one of the customer's
    # domains) is refused by the origin check, in words, and nothing is kept.
    page.goto(site_url.replace(SITE_HOST, "127.0.0.1"))
    page.fill("input[name=name]", "Mallory")
    page.fill("input[name=email]", "mallory@example.net")
    with page.expect_navigation() as refused:
        page.click("form button[type=submit]")
    assert refused.value.status == 403
    assert "does not accept posts from that site" in page.inner_text("body")
    screenshot(page, "refused")
    assert Submission.objects.count() == 2

    # --- The merchant sees the entry and downloads the day --------------------------
    page.goto(f"{base}/c/{slug}/")
    assert page.locator("#count-delivered").inner_text() == "2"
    screenshot(page, "dashboard")
    page.click("#nav-log")
    page.wait_for_url(f"{base}/c/{slug}/log/")
    row = page.locator(f"#entry-{posted.pk}")
    assert "Delivered" in row.inner_text()
    assert grouped in row.inner_text()
    assert page.locator("#log-count").inner_text() == "2 entries."
    screenshot(page, "log")

    today = timezone.localdate().isoformat()
    page.fill("#id_since", today)
    page.fill("#id_until", today)
    with page.expect_download() as download_info:
        page.click("#log-download")
    download = download_info.value
    assert download.suggested_filename == f"{slug}-{today}-{today}.asc"
    data = Path(download.path()).read_bytes()

    messages = split_armored(data)
    assert len(messages) == 2, "the test message and the visitor's post, oldest first"
    test_document, document = (json.loads(decrypt(merchant_keypair, m)) for m in messages)

    assert test_document["format"] == "cape-panel-test"
    assert test_document["customer"] == slug

    assert document["format"] == "cape-panel-submission"
    assert document["submission"] == str(posted.pk)
    assert document["customer"] == slug
    assert document["domain"] == SITE_HOST
    assert document["form"] == "order"
    assert document["fields"] == {
        "name": [NAME],
        "email": [EMAIL],
        # Browsers send a textarea's line breaks as CR LF.
        "message": [MESSAGE.replace("\n", "\r\n")],
        "item": ITEMS,
    }
    [receipt] = document["files"]
    assert receipt["field"] == "receipt"
    assert receipt["filename"] == RECEIPT_NAME
    assert receipt["content_type"] == "text/plain"
    assert receipt["size"] == len(RECEIPT)
    assert base64.b64decode(receipt["content_base64"]) == RECEIPT

    # The download is on the owner's audit log.
    page.goto(f"{base}/c/{slug}/audit/")
    audit = page.locator("#audit-table").inner_text()
    assert "log.downloaded" in audit and "2 entries" in audit
    assert NAME not in page.content()
    screenshot(page, "audit")
