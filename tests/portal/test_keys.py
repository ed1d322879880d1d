"""The keys page: upload by file or paste, reasons for refusal, retire, test."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import AuditEvent, PublicKey

KEYS = reverse("portal:keys", args=["alices-teas"])


def test_owner_sees_the_key_in_groups_of_four(client, alice, alice_key):
    client.force_login(alice)
    response = client.get(KEYS)
    assert response.status_code == 200
    fingerprint = alice_key.fingerprint
    grouped = " ".join(fingerprint[i : i + 4] for i in range(0, 40, 4))
    assert grouped.encode() in response.content
    assert b"keys@alices-teas.example" in response.content
    assert b'id="key-form"' in response.content
    assert b'id="send-test"' in response.content


def test_the_export_hint_names_the_key_as_the_refusals_do(client, alice):
    client.force_login(alice)
    content = client.get(KEYS).content.decode()
    assert "--export</span> FINGERPRINT &gt; key.asc" in content
    assert "you@example.com" not in content


def test_member_sees_keys_but_no_upload_form(client, amy):
    client.force_login(amy)
    response = client.get(KEYS)
    assert response.status_code == 200
    assert b'id="key-form"' not in response.content
    assert b"Retire this key" not in response.content


def test_uploading_a_new_key_file_retires_the_old_one(client, alice, alice_new_key):
    client.force_login(alice)
    upload = SimpleUploadedFile("new.asc", alice_new_key.armored_public.encode())

    response = client.post(KEYS, {"key_file": upload}, follow=True)

    assert b"added" in response.content
    active = PublicKey.objects.get(customer__slug="alices-teas", status="active")
    assert active.fingerprint == alice_new_key.fingerprint
    assert PublicKey.objects.filter(status="retired").count() == 1
    assert b'id="old-keys"' in response.content
    assert AuditEvent.objects.filter(action="key.added", actor=alice).exists()


def test_pasting_a_binary_key_is_refused_but_a_binary_file_is_fine(client, alice, alice_new_key):
    client.force_login(alice)
    upload = SimpleUploadedFile("new.gpg", alice_new_key.binary())
    client.post(KEYS, {"key_file": upload})
    assert PublicKey.objects.get(status="active").fingerprint == alice_new_key.fingerprint


def test_pasted_key_is_accepted(client, alice, alice_new_key):
    client.force_login(alice)
    response = client.post(KEYS, {"key_text": alice_new_key.armored_public})
    assert response.status_code == 302
    assert PublicKey.objects.get(status="active").fingerprint == alice_new_key.fingerprint


def test_a_bad_key_file_shows_the_reason(client, alice):
    client.force_login(alice)
    upload = SimpleUploadedFile("key.asc", b"this is not a key")

    response = client.post(KEYS, {"key_file": upload})

    assert response.status_code == 400
    assert b"This key cannot be used" in response.content
    assert b"not a readable OpenPGP public key" in response.content
    assert PublicKey.objects.count() == 1


def test_secret_key_material_is_refused(client, alice, alice_new_key):
    client.force_login(alice)
    response = client.post(KEYS, {"key_text": alice_new_key.secret().decode()})
    assert response.status_code == 400
    assert b"This key cannot be used: the file contains a secret (private) key" in (
        response.content
    )
    assert not PublicKey.objects.filter(fingerprint=alice_new_key.fingerprint).exists()


def test_a_refused_paste_is_never_shown_again(client, alice, alice_new_key):
    """A pasted secret key must not travel back to the browser in the page."""
    secret = alice_new_key.secret().decode()
    body = secret.split("\n\n", 1)[1].splitlines()[0]  # a line of the armored key itself
    client.force_login(alice)

    refused = client.post(KEYS, {"key_text": secret})
    both = client.post(KEYS, {"key_file": SimpleUploadedFile("k.asc", b"x"), "key_text": secret})

    for response in (refused, both):
        assert response.status_code == 400
        content = response.content.decode()
        assert "PRIVATE KEY BLOCK" not in content
        assert body not in content
        assert 'id="id_key_text">\n</textarea>' in content  # the box is there, empty


def test_a_refusal_reads_as_one_sentence_after_the_prefix(client, alice):
    client.force_login(alice)
    response = client.post(KEYS, {"key_text": "this is my key, honest"})
    assert b"This key cannot be used: the file is not a readable OpenPGP public key." in (
        response.content
    )


def test_neither_or_both_inputs_are_explained(client, alice, alice_new_key):
    client.force_login(alice)
    assert b"Choose a key file or paste" in client.post(KEYS, {}).content
    both = client.post(
        KEYS,
        {
            "key_file": SimpleUploadedFile("k.asc", b"x"),
            "key_text": alice_new_key.armored_public,
        },
    )
    assert both.status_code == 400
    assert b"not both" in both.content


def test_retiring_the_only_key_warns_that_forms_stop(client, alice, alices_teas):
    client.force_login(alice)
    key = alices_teas.public_keys.get()

    response = client.post(reverse("portal:key_retire", args=["alices-teas", key.pk]), follow=True)

    key.refresh_from_db()
    assert key.status == "retired"
    assert b"no usable key now" in response.content
    assert AuditEvent.objects.filter(action="key.retired", actor=alice).exists()


def test_retire_asks_first_and_says_forms_will_refuse_posts(client, alice, alice_form):
    client.force_login(alice)
    key = alice_form.customer.public_keys.get()
    confirm = reverse("portal:key_retire_confirm", args=["alices-teas", key.pk])
    retire = reverse("portal:key_retire", args=["alices-teas", key.pk])

    keys_page = client.get(KEYS).content.decode()
    assert f'href="{confirm}" id="retire-{key.fingerprint}"' in keys_page
    assert f'action="{retire}"' not in keys_page  # no one-click retiring

    page = client.get(confirm)
    assert page.status_code == 200
    content = page.content.decode()
    assert "This is your only usable key" in content
    assert "your 1 form refuses every new post" in content
    assert f'<form method="post" action="{retire}"' in content
    assert 'id="retire-confirm"' in content
    key.refresh_from_db()
    assert key.status == "active"  # looking at the page changes nothing

    assert client.get(retire).status_code == 405  # retiring itself stays POST-only


def test_retire_confirmation_of_a_retired_key_goes_back(client, alice, alices_teas):
    key = alices_teas.public_keys.get()
    key.status = "retired"
    key.save()
    client.force_login(alice)
    response = client.get(
        reverse("portal:key_retire_confirm", args=["alices-teas", key.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == KEYS
    assert b"nothing to retire" in response.content


def test_members_cannot_open_the_retire_confirmation(client, amy, alices_teas):
    key = alices_teas.public_keys.get()
    client.force_login(amy)
    url = reverse("portal:key_retire_confirm", args=["alices-teas", key.pk])
    assert client.get(url).status_code == 403


def test_uploading_a_retired_key_again_says_it_is_reactivated(client, alice, alice_key):
    client.force_login(alice)
    key = PublicKey.objects.get(fingerprint=alice_key.fingerprint)
    client.post(reverse("portal:key_retire", args=["alices-teas", key.pk]))

    response = client.post(KEYS, {"key_text": alice_key.armored_public}, follow=True)

    assert b"reactivated. New submissions are encrypted to it again." in response.content
    assert b" added. " not in response.content
    key.refresh_from_db()
    assert key.status == "active"


def test_members_cannot_upload(client, amy, alice_new_key):
    client.force_login(amy)
    response = client.post(KEYS, {"key_text": alice_new_key.armored_public})
    assert response.status_code == 403
    assert not PublicKey.objects.filter(fingerprint=alice_new_key.fingerprint).exists()


def test_send_me_a_test_lists_the_targets(client, alice, alice_form):
    client.force_login(alice)
    response = client.post(reverse("portal:send_test", args=["alices-teas"]), follow=True)
    assert b"A test message is on its way to: log of alices-teas.example/contact" in (
        response.content
    )
    assert alice_form.submissions.filter(is_test=True).count() == 1


def test_send_me_a_test_without_a_key_says_so(client, alice, alice_form):
    alice_form.customer.public_keys.update(status="retired")
    client.force_login(alice)
    response = client.post(reverse("portal:send_test", args=["alices-teas"]), follow=True)
    assert b"Upload a public key first" in response.content
