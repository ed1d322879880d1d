"""Every page the panel serves carries a strict content security policy."""

import pytest


@pytest.mark.parametrize("path", ["/login/", "/f/thanks/", "/password/reset/"])
def test_pages_forbid_foreign_scripts_and_framing(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_refusals_of_the_public_endpoint_carry_it_too(client, db):
    response = client.post("/f/nowhere.example/form/", {"a": "b"})
    assert response.status_code == 404
    assert "default-src 'self'" in response["Content-Security-Policy"]
