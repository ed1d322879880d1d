"""The public form endpoint: every answer it gives, and what it stores."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from intake import sealing
from intake.models import Submission

URL = "/f/alices-teas.example/order/"


def stored_document(submission):
    return json.loads(sealing.unseal(submission.sealed))


def test_form_post_is_sealed_stored_and_redirected_to_the_thank_you_page(client, log_form):
    response = client.post(URL, {"name": "Zoë", "item": ["tea", "cake"]})

    assert response.status_code == 303
    assert response["Location"] == "/f/thanks/"
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.RECEIVED
    assert "Zoë".encode() not in bytes(submission.sealed)
    document = stored_document(submission)
    assert document["fields"] == {"name": ["Zoë"], "item": ["tea", "cake"]}
    assert document["domain"] == "alices-teas.example"
    assert document["form"] == "order"
    assert document["submission"] == str(submission.pk)
    assert document["client_address"] == "127.0.0.1"


def test_redirect_goes_to_the_endpoints_thank_you_url(client, log_form):
    log_form.redirect_url = "https://alices-teas.example/thanks"
    log_form.save()

    response = client.post(URL, {"name": "Zoë"})

    assert response.status_code == 303
    assert response["Location"] == "https://alices-teas.example/thanks"


def test_json_client_gets_202_with_the_submission_id(client, log_form):
    response = client.post(URL, {"name": "x"}, HTTP_ACCEPT="application/json")

    assert response.status_code == 202
    submission = Submission.objects.get()
    assert response.json() == {"id": str(submission.pk), "status": "received"}


def test_json_body_keeps_values_and_lists(client, log_form):
    body = {"name": "Ærøskøbing", "items": ["a", "b"], "count": 3}
    response = client.post(URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 202
    document = stored_document(Submission.objects.get())
    assert document["fields"] == {"name": ["Ærøskøbing"], "items": ["a", "b"], "count": [3]}


def test_multipart_files_go_into_the_document(client, log_form):
    upload = SimpleUploadedFile("plan ü.pdf", b"%PDF-1.4 \x00\xff", content_type="application/pdf")
    response = client.post(URL, {"name": "Zoë", "plan": upload})

    assert response.status_code == 303
    document = stored_document(Submission.objects.get())
    assert document["fields"] == {"name": ["Zoë"]}
    [attached] = document["files"]
    assert attached["field"] == "plan"
    assert attached["filename"] == "plan ü.pdf"
    assert attached["content_type"] == "application/pdf"
    assert attached["size"] == 11
    import base64

    assert base64.b64decode(attached["content_base64"]) == b"%PDF-1.4 \x00\xff"


def test_latin1_page_body_is_read_as_latin1(client, log_form):
    body = "name=Zo%EB&city=K%F6ln".encode("ascii")
    response = client.post(URL, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 303
    assert stored_document(Submission.objects.get())["fields"] == {
        "name": ["Zoë"],
        "city": ["Köln"],
    }


def test_unknown_endpoint_is_404(client, log_form):
    response = client.post("/f/alices-teas.example/nope/", {"a": "b"})
    assert response.status_code == 404
    assert b"no form at this address" in response.content
    assert not Submission.objects.exists()


def test_disabled_endpoint_is_410(client, log_form):
    log_form.enabled = False
    log_form.save()
    response = client.post(URL, {"a": "b"})
    assert response.status_code == 410
    assert not Submission.objects.exists()


def test_body_larger_than_the_endpoint_limit_is_413(client, log_form):
    log_form.max_bytes = 2048
    log_form.save()
    response = client.post(URL, {"essay": "x" * 5000})
    assert response.status_code == 413
    assert "larger than this form accepts (2.0\xa0KB)" in response.content.decode()
    assert not Submission.objects.exists()


def test_unsupported_content_type_is_415(client, log_form):
    response = client.post(URL, "<x/>", content_type="application/xml")
    assert response.status_code == 415
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        (b"\xff\xfe", "application/json"),
        ("--nope\r\ngarbage", "multipart/form-data; boundary=other"),
        ("anything", "multipart/form-data"),
    ],
    ids=[
        "bad-json",
        "json-array",
        "json-not-utf8",
        "multipart-wrong-boundary",
        "multipart-no-boundary",
    ],
)
def test_malformed_body_is_400(client, log_form, body, content_type):
    response = client.post(URL, body, content_type=content_type, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "error" in response.json()
    assert not Submission.objects.exists()


def test_too_many_fields_is_400(client, log_form, settings):
    settings.INTAKE_MAX_FIELDS = 5
    response = client.post(URL, {f"f{i}": "v" for i in range(20)})
    assert response.status_code == 400
    assert b"too many fields" in response.content
    assert not Submission.objects.exists()


def test_customer_without_usable_key_gets_503_and_nothing_is_stored(client, log_form, merchant):
    merchant.public_keys.update(status="retired")
    response = client.post(URL, {"a": "b"})
    assert response.status_code == 503
    assert response["Retry-After"] == "3600"
    assert not Submission.objects.exists()


def test_post_from_a_foreign_site_is_403(client, log_form):
    response = client.post(URL, {"a": "b"}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not Submission.objects.exists()


def test_post_from_the_merchants_own_site_is_accepted(client, log_form):
    response = client.post(URL, {"a": "b"}, HTTP_ORIGIN="https://www.alices-teas.example")
    assert response.status_code == 303


def test_get_is_405(client, log_form):
    response = client.get(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_rate_limit_is_429(client, log_form, settings):
    settings.INTAKE_RATE_LIMIT_PER_MINUTE = 2
    codes = [client.post(URL, {"a": str(i)}).status_code for i in range(3)]
    assert codes == [303, 303, 429]
    assert Submission.objects.count() == 2


def test_filled_honeypot_is_thanked_but_not_kept(client, log_form):
    response = client.post(URL, {"name": "bot", "_cape_hp": "http://spam"})
    assert response.status_code == 303
    assert not Submission.objects.exists()


def test_control_fields_are_not_part_of_the_document(client, log_form):
    client.post(URL, {"name": "Zoë", "_cape_hp": ""})
    assert stored_document(Submission.objects.get())["fields"] == {"name": ["Zoë"]}


def test_post_is_accepted_and_kept_when_the_broker_is_down(
    client, log_form, django_capture_on_commit_callbacks, caplog
):
    from tests.broker import dead_broker

    with dead_broker(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"name": "Zoë"}, HTTP_ACCEPT="application/json")

    assert response.status_code == 202
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.RECEIVED
    assert stored_document(submission)["fields"] == {"name": ["Zoë"]}
    assert "the sweep will queue it" in caplog.text


# Inputs found by trying to break the endpoint: each once gave a 500 or a
# wrong answer, and each must be refused in words, with nothing stored.
@pytest.mark.parametrize(
    "body, content_type, headers, status",
    [
        ("a=b", "application/x-www-form-urlencoded", {"HTTP_ORIGIN": "https://[::1"}, 403),
        ("a=b", "application/x-www-form-urlencoded", {"HTTP_REFERER": "http://[evil/x"}, 403),
        ("a=b", "application/x-www-form-urlencoded", {"HTTP_ORIGIN": "null"}, 403),
        (
            "a=b",
            "application/x-www-form-urlencoded",
            {"HTTP_ORIGIN": "https://alices-teas.example.evil.example"},
            403,
        ),
        ('{"a":' + "[" * 5000 + "]" * 5000 + "}", "application/json", {}, 400),
        ('{"a": "\\ud800"}', "application/json", {}, 400),
        ('{"\\udfff": "x"}', "application/json", {}, 400),
        ('{"a": NaN}', "application/json", {}, 400),
        ('{"a": Infinity}', "application/json", {}, 400),
        ('{"a": 1e999}', "application/json", {}, 400),
        ("a=b", "application/x-www-form-urlencoded; charset=base64", {}, 400),
        ("a=b", "application/x-www-form-urlencoded; charset=rot13", {}, 400),
        ("a=b", "application/x-www-form-urlencoded; charset=no-such-charset", {}, 400),
        ("--x\r\n", "multipart/form-data; boundary=x; charset=hex", {}, 400),
        (
            '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nhalf a val',
            "multipart/form-data; boundary=x",
            {},
            400,
        ),
        ("&".join(f"f{i}=v" for i in range(600)), "application/x-www-form-urlencoded", {}, 400),
        ("a=b", "application/x-www-form-urlencoded", {"HTTP_TRANSFER_ENCODING": "chunked"}, None),
    ],
    ids=[
        "origin-broken-ipv6",
        "referer-broken-ipv6",
        "origin-null",
        "origin-suffix-trick",
        "json-deep-nesting",
        "json-lone-surrogate-value",
        "json-lone-surrogate-name",
        "json-nan",
        "json-infinity",
        "json-overflowing-number",
        "charset-base64",
        "charset-rot13",
        "charset-unknown",
        "multipart-charset-hex",
        "multipart-cut-off",
        "urlencoded-600-fields",
        "chunked-without-length",
    ],
)
def test_hostile_input_is_refused_in_words(client, log_form, body, content_type, headers, status):
    response = client.generic(
        "POST",
        URL,
        body.encode("utf-8") if isinstance(body, str) else body,
        content_type=content_type,
        HTTP_ACCEPT="application/json",
        **headers,
    )
    if status is None:  # the test client always sends a length, so this one is read
        assert response.status_code == 202
        return
    assert response.status_code == status
    assert response.json()["error"]
    assert not Submission.objects.exists()


def test_chunked_body_without_length_is_411(rf, log_form):
    from intake.views import receive

    request = rf.post(URL, b"", content_type="application/x-www-form-urlencoded")
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    response = receive(request, "alices-teas.example", "order")
    assert response.status_code == 411


def test_origin_with_a_trailing_dot_is_the_merchants_own(client, log_form):
    response = client.post(URL, {"a": "b"}, HTTP_ORIGIN="https://alices-teas.example.")
    assert response.status_code == 303


def test_multipart_latin1_values_and_file_names_are_read_as_latin1(client, log_form):
    boundary = "b0undary"
    body = (
        (f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n').encode()
        + b"Zo\xeb K\xf6ln\r\n"
        + (f'--{boundary}\r\nContent-Disposition: form-data; name="doc"; filename="').encode()
        + b"r\xe9sum\xe9.txt"
        + (b'"\r\nContent-Type: text/plain\r\n\r\n')
        + b"\xff\x00raw\r\n"
        + f"--{boundary}--\r\n".encode()
    )

    response = client.generic(
        "POST", URL, body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 303
    document = stored_document(Submission.objects.get())
    assert document["fields"] == {"name": ["Zoë Köln"]}
    assert document["files"][0]["filename"] == "résumé.txt"
    assert document["files"][0]["size"] == 5


def test_visitor_address_behind_a_trusted_proxy_is_taken_from_x_forwarded_for(
    client, log_form, settings
):
    settings.TRUSTED_PROXIES = 1
    settings.INTAKE_RATE_LIMIT_PER_MINUTE = 1
    spoofed_then_real = {"HTTP_X_FORWARDED_FOR": "10.9.9.9, 198.51.100.4"}

    first = client.post(URL, {"a": "1"}, **spoofed_then_real)
    other_visitor = client.post(URL, {"a": "2"}, HTTP_X_FORWARDED_FOR="198.51.100.5")
    same_visitor = client.post(URL, {"a": "3"}, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.4")

    assert [first.status_code, other_visitor.status_code, same_visitor.status_code] == [
        303,
        303,
        429,
    ]
    addresses = sorted(stored_document(s)["client_address"] for s in Submission.objects.all())
    assert addresses == ["198.51.100.4", "198.51.100.5"]


def multipart(*parts, boundary="b0undary"):
    """A multipart body from (headers, content) pairs, in raw bytes."""
    body = b""
    for headers, content in parts:
        body += f"--{boundary}\r\n".encode() + headers + b"\r\n\r\n" + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "raw_name, expected",
    [
        ("Квитанция €.txt".encode(), "Квитанция €.txt"),
        ("日本語.txt".encode(), "日本語.txt"),
        ("Łódź.txt".encode(), "Łódź.txt"),
        ("résumé ’final’.doc".encode(), "résumé ’final’.doc"),
        ("l’été €.txt".encode("cp1252"), "l’été €.txt"),
    ],
    ids=["cyrillic", "cjk", "polish", "quotes", "cp1252-page"],
)
def test_uploaded_file_names_arrive_exactly_as_posted(client, log_form, raw_name, expected):
    body, content_type = multipart(
        (b'Content-Disposition: form-data; name="name"', "Zoë".encode()),
        (
            b'Content-Disposition: form-data; name="doc"; filename="' + raw_name + b'"\r\n'
            b"Content-Type: text/plain",
            b"\xff\x00 raw bytes",
        ),
    )
    response = client.generic("POST", URL, body, content_type=content_type)

    assert response.status_code == 303
    document = stored_document(Submission.objects.get())
    assert document["fields"] == {"name": ["Zoë"]}
    [upload] = document["files"]
    assert upload["filename"] == expected
    assert upload["size"] == 12


def test_one_stray_byte_spoils_only_its_own_field(client, log_form):
    body = b"name=Zo%C3%AB&token=%FF%FE"
    client.post(URL, body, content_type="application/x-www-form-urlencoded")
    assert stored_document(Submission.objects.get())["fields"] == {
        "name": ["Zoë"],
        "token": ["ÿþ"],
    }


def test_multipart_with_an_epilogue_after_the_closing_boundary_is_read(client, log_form):
    body, content_type = multipart((b'Content-Disposition: form-data; name="a"', b"b"))
    response = client.generic(
        "POST", URL, body + b"trailing epilogue\r\n", content_type=content_type
    )
    assert response.status_code == 303
    assert stored_document(Submission.objects.get())["fields"] == {"a": ["b"]}


def test_multipart_declaring_utf8_with_invalid_bytes_is_refused(client, log_form):
    body, _ = multipart((b'Content-Disposition: form-data; name="a"', b"Zo\xeb"))
    response = client.generic(
        "POST", URL, body, content_type="multipart/form-data; boundary=b0undary; charset=utf-8"
    )
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_json_naming_a_field_twice_keeps_both_values(client, log_form):
    client.post(URL, '{"item": "tea", "item": "cake"}', content_type="application/json")
    assert stored_document(Submission.objects.get())["fields"] == {"item": ["tea", "cake"]}


@pytest.mark.parametrize("empty", ["null", "false", "0", "[null]", '""'])
def test_json_honeypot_sent_empty_by_a_script_keeps_the_post(client, log_form, empty):
    client.post(URL, f'{{"name": "Zoë", "_cape_hp": {empty}}}', content_type="application/json")
    assert stored_document(Submission.objects.get())["fields"] == {"name": ["Zoë"]}


def test_a_file_in_the_honeypot_marks_a_bot_and_never_reaches_the_document(client, log_form):
    body, content_type = multipart(
        (b'Content-Disposition: form-data; name="name"', b"bot"),
        (b'Content-Disposition: form-data; name="_cape_hp"; filename="x.txt"', b"spam"),
    )
    response = client.generic("POST", URL, body, content_type=content_type)
    assert response.status_code == 303
    assert not Submission.objects.exists()


@pytest.mark.parametrize("name", [b"..", b".", b"dir/"])
def test_a_file_django_cannot_name_is_refused_not_dropped(client, log_form, name):
    body, content_type = multipart(
        (b'Content-Disposition: form-data; name="doc"; filename="' + name + b'"', b"content"),
    )
    response = client.generic(
        "POST", URL, body, content_type=content_type, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert "cannot be used" in response.json()["error"]
    assert not Submission.objects.exists()


def test_an_empty_file_input_is_not_a_missing_file(client, log_form):
    body, content_type = multipart(
        (b'Content-Disposition: form-data; name="name"', b"Zo\xc3\xab"),
        (b'Content-Disposition: form-data; name="doc"; filename=""', b""),
    )
    assert client.generic("POST", URL, body, content_type=content_type).status_code == 303


def test_json_in_a_declared_charset_is_read_in_it(client, log_form):
    body = '{"name": "Zoë €"}'.encode("iso-8859-15")
    client.generic("POST", URL, body, content_type="application/json; charset=iso-8859-15")
    assert stored_document(Submission.objects.get())["fields"] == {"name": ["Zoë €"]}
