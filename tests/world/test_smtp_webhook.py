"""SMTP sink and webhook sink over real sockets."""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request

import pytest

from launchready.world.ca import LocalCA
from launchready.world.smtp import SmtpSink
from launchready.world.webhook import WebhookSink


def test_smtp_sink_records_envelope_and_raw_message():
    with SmtpSink() as sink:
        assert sink.address == f"127.0.0.1:{sink.port}" and sink.port > 0
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
            client.sendmail(
                "alerts@launch.test",
                ["ops@launch.test", "dev@launch.test"],
                b"Subject: down\r\n\r\nportal is down\r\n",
            )
        (msg,) = sink.wait_for(1)
        assert msg.mail_from == "alerts@launch.test"
        assert msg.rcpt_tos == ("ops@launch.test", "dev@launch.test")
        assert b"portal is down" in msg.data
        assert not msg.tls


def test_smtp_starttls_with_world_certificate():
    ca = LocalCA()
    with SmtpSink(ca.issue("mx.launch.test")) as sink:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
            client.ehlo("tester.launch.test")
            assert client.has_extn("starttls")
            ctx = ca.client_context()
            ctx.check_hostname = False  # we connect by address; the cert names mx.launch.test
            client.starttls(context=ctx)
            client.ehlo("tester.launch.test")
            client.sendmail("a@launch.test", ["b@launch.test"], b"Subject: tls\r\n\r\nx\r\n")
        (msg,) = sink.wait_for(1)
        assert msg.tls
        assert msg.helo == "tester.launch.test"


def test_smtp_stop_is_idempotent():
    sink = SmtpSink().start()
    port = sink.port
    sink.stop()
    sink.stop()
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", port, timeout=1)


def post(url, payload, timeout=5):
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def hook_sink():
    with WebhookSink() as sink:
        yield sink


def test_webhook_records_posts(hook_sink):
    assert post(hook_sink.url("/alerts"), {"text": "down"}) == 200
    (hook,) = hook_sink.hooks
    assert hook.method == "POST" and hook.path == "/alerts"
    assert hook.json() == {"text": "down"}
    assert hook.headers["Content-Type"] == "application/json"


def test_webhook_fails_n_times_then_succeeds(hook_sink):
    hook_sink.fail(503, times=2)
    statuses = [post(hook_sink.url(), {"n": i}) for i in range(4)]
    assert statuses == [503, 503, 200, 200]
    assert [h.answered for h in hook_sink.hooks] == statuses


def test_webhook_always_failing_and_slow(hook_sink):
    hook_sink.fail(500)
    assert [post(hook_sink.url(), {}) for _ in range(3)] == [500, 500, 500]
    hook_sink.fail(200, delay=2.0)
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        post(hook_sink.url(), {}, timeout=0.2)
    hook_sink.succeed()
    assert post(hook_sink.url(), {}) == 200
