"""Log delivery into a real FTP server on loopback, through django-storages."""

import json
import threading

import pytest
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from intake import pipeline, receiving
from tests.gpg import decrypt
from tests.storage import use_log_storage


@pytest.fixture
def ftp_log(settings, tmp_path):
    root = tmp_path / "ftp-root"
    root.mkdir()
    authorizer = DummyAuthorizer()
    authorizer.add_user("capepanel", "s3cret-test", str(root), perm="elradfmw")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    server = FTPServer(("127.0.0.1", 0), handler)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.2})
    thread.start()
    use_log_storage(
        settings,
        backend="storages.backends.ftp.FTPStorage",
        options={"location": f"ftp://capepanel:s3cret-test@127.0.0.1:{port}/"},
    )
    yield root
    server.close_all()
    thread.join(timeout=5)


def test_entry_lands_on_the_ftp_server_once_and_decrypts(log_form, ftp_log, merchant_keypair):
    submission = receiving.accept(
        log_form, fields={"name": ["Zoë"]}, files=[], client_address="127.0.0.1"
    )

    assert pipeline.process(submission.pk) == "delivered"
    submission.refresh_from_db()
    stored = ftp_log / submission.log_name
    assert stored.is_file()
    document = json.loads(decrypt(merchant_keypair, stored.read_bytes()))
    assert document["fields"] == {"name": ["Zoë"]}

    # A repeat finds the object there and leaves it alone.
    before = stored.stat().st_mtime_ns
    assert (
        pipeline.delivery.write_log_entry(submission.log_name, submission.ciphertext)
        == submission.log_name
    )
    assert stored.stat().st_mtime_ns == before
    assert list(stored.parent.iterdir()) == [stored]
