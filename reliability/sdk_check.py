#!/usr/bin/env python3
"""The operators' official Python SDKs against `bramka serve --sandbox` (third-party check).

Each SDK sends through the sandbox with its base URL pointed at it; the messages must then appear
in GET /api/v1/sandbox/messages, and Twilio's RequestValidator (from the official SDK) must accept
the signature of the status callback the sandbox posts. Prints one line per check; exits 1 on
the first failure.

usage: sdk_check.py BASE_URL      (BASE_URL: http://127.0.0.1:PORT, where bramka serve --sandbox listens)
"""
import http.server
import json
import sys
import threading
import time
import urllib.parse
import urllib.request

BASE = sys.argv[1].rstrip("/")
SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "sdk-check-auth-token"


def ok(what):
    print("ok   " + what, flush=True)


def fail(what):
    print("FAIL " + what, flush=True)
    sys.exit(1)


def received():
    with urllib.request.urlopen(BASE + "/api/v1/sandbox/messages") as r:
        return json.load(r)["messages"]


def smsapi():
    from smsapi.client import Client

    client = Client(BASE + "/sandbox/smsapi/", access_token="any-token")
    r = client.sms.send(to=["48500100200", "48500100201"], message="SDK check: zażółć", from_="Shop",
                        idx=["sdk1", "sdk2"], check_idx=1)
    ids = [x.id for x in r.results]
    if len(ids) != 2 or any(x.status != "QUEUE" for x in r.results):
        fail("smsapi-client send: %r" % r.results)
    got = {m["message_id"]: m for m in received() if m["operator"] == "smsapi"}
    if not all(i in got for i in ids) or got[ids[0]]["encoding"] != "UCS-2":
        fail("smsapi-client messages in the sandbox: %r" % got)
    try:
        client.sms.send(to="48500100200", message="again", idx="sdk1", check_idx=1)
        fail("smsapi-client: a reused idx was accepted")
    except Exception as e:  # the SDK raises its own error for error 53
        if "53" not in repr(e) and "idx" not in repr(e).lower():
            fail("smsapi-client: unexpected error for a reused idx: %r" % e)
    ok("smsapi-client %s: 2 recipients recorded, UCS-2; reused idx refused (error 53)" % version("smsapi-client"))


def infobip():
    import infobip_api_client as ib

    cfg = ib.Configuration(host=BASE + "/sandbox/infobip", api_key="any-key", api_key_prefix="App")
    api = ib.SmsApi(ib.ApiClient(cfg))
    req = ib.SmsRequest(messages=[ib.SmsMessage(
        sender="Shop",
        destinations=[ib.SmsDestination(to="41793026727", message_id="sdk-m1")],
        content=ib.SmsMessageContent(ib.SmsTextContent(text="SDK check")),
    )])
    r = api.send_sms_messages(sms_request=req)
    if r.messages[0].message_id != "sdk-m1" or r.messages[0].status.group_name != "PENDING":
        fail("infobip-api-python-client send: %r" % r)
    if not any(m["message_id"] == "sdk-m1" for m in received()):
        fail("infobip message not in the sandbox")
    r = api.send_sms_messages(sms_request=req)
    if r.messages[0].status.id != 23:
        fail("infobip: a reused messageId was not refused with status 23: %r" % r)
    ok("infobip-api-python-client %s: recorded; reused messageId answered with status 23" % version("infobip-api-python-client"))


class Hook(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        Hook.hits.append((self.path, self.headers.get("X-Twilio-Signature"), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


def twilio():
    from twilio.request_validator import RequestValidator
    from twilio.rest import Client

    hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    callback = "http://127.0.0.1:%d/status?from=sdk" % hook.server_address[1]
    client = Client(SID, TOKEN)
    client.api.base_url = BASE + "/sandbox/twilio"
    m = client.messages.create(to="+48500100204", from_="+15005550006", body="SDK check", status_callback=callback)
    if not (m.sid.startswith("SM") and m.status == "queued"):
        fail("twilio create: %r" % m)
    if client.messages(m.sid).fetch().to != "+48500100204":
        fail("twilio fetch")
    if m.sid not in [x.sid for x in client.messages.list(limit=5)]:
        fail("twilio list")
    for _ in range(100):
        if Hook.hits:
            break
        time.sleep(0.05)
    if not Hook.hits:
        fail("no status callback within 5 s")
    path, signature, body = Hook.hits[0]
    params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
    if params.get("MessageStatus") != "delivered" or params.get("MessageSid") != m.sid:
        fail("twilio status callback: %r" % params)
    if not RequestValidator(TOKEN).validate(callback, params, signature):
        fail("RequestValidator refused the sandbox's signature")
    if RequestValidator("another-token").validate(callback, params, signature):
        fail("RequestValidator accepted the signature with another token")
    ok("twilio %s: create, fetch, list; RequestValidator accepts the signed status callback" % version("twilio"))
    hook.shutdown()


def version(dist):
    from importlib.metadata import version as v

    return v(dist)


if __name__ == "__main__":
    smsapi()
    infobip()
    twilio()
