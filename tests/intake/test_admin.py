"""The admin shows secure forms to staff without letting them bypass the checks."""

import pytest
from django.contrib.auth import get_user_model

from customers.models import AuditEvent


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("ops", "ops@provider.example", "x" * 20)


def test_switching_a_form_off_in_the_admin_is_audited(client, operator, log_form):
    client.force_login(operator)
    url = f"/admin/intake/formendpoint/{log_form.pk}/change/"

    response = client.post(url, {"enabled": ""})

    assert response.status_code == 302
    log_form.refresh_from_db()
    assert log_form.enabled is False
    event = AuditEvent.objects.get(action="form.changed")
    assert event.actor == operator
    assert event.detail == "alices-teas.example/order: enabled"


def test_customers_domains_and_memberships_cannot_be_edited_in_the_admin(
    client, operator, merchant
):
    client.force_login(operator)
    domain = merchant.domains.get()

    page = client.get(f"/admin/customers/customer/{merchant.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(f"/admin/customers/domain/{domain.pk}/change/", {}).status_code == 403
    assert client.get("/admin/customers/membership/add/").status_code == 403
