#!/usr/bin/env python3
"""The operators' official Python SDKs sending to N recipients against bramka's mock on
127.0.0.1, with a thread pool of CONCURRENCY workers and each SDK's native batching (SMSAPI 100
recipients per request, Infobip 1000, Twilio 1), like the Rust side. Work is submitted lazily
(at most 2 x CONCURRENCY pending) and results are counted and dropped, so memory reflects the SDK,
not the driver. Prints one JSON line.

usage: send.py smsapi|infobip|twilio BASE_URL N CONCURRENCY
"""
import json
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

TEXT = "Your order 4711 is ready for pickup at the Main St store until 8 pm."
SID = "AC0123456789abcdef0123456789abcdef"


def numbers(start, end):
    return ["48%d" % (500_000_000 + i) for i in range(start, end)]


def smsapi_sender(base):
    from smsapi.client import Client

    client = Client(base + "/", access_token="bench-token")

    def send(start, end):
        to = numbers(start, end)
        idx = ["b%d" % (500_000_000 + i) for i in range(start, end)]
        r = client.sms.send(to=to, message=TEXT, from_="Shop", idx=idx, check_idx=1)
        return sum(1 for x in r.results if x.status == "QUEUE")

    return send, 100


def infobip_sender(base):
    import infobip_api_client as ib

    cfg = ib.Configuration(host=base, api_key="bench-key", api_key_prefix="App")
    local = threading.local()

    def api():
        if not hasattr(local, "api"):
            local.api = ib.SmsApi(ib.ApiClient(cfg))
        return local.api

    def send(start, end):
        req = ib.SmsRequest(messages=[ib.SmsMessage(
            sender="Shop",
            destinations=[ib.SmsDestination(to=n) for n in numbers(start, end)],
            content=ib.SmsMessageContent(ib.SmsTextContent(text=TEXT)),
        )])
        r = api().send_sms_messages(sms_request=req)
        return sum(1 for m in r.messages if m.status and m.status.group_name == "PENDING")

    return send, 1000


def twilio_sender(base):
    from twilio.rest import Client

    local = threading.local()

    def client():
        if not hasattr(local, "client"):
            c = Client(SID, "bench-token")
            c.api.base_url = base
            local.client = c
        return local.client

    def send(start, end):
        m = client().messages.create(to="+" + numbers(start, end)[0], from_="+15005550006", body=TEXT)
        return 1 if m.status == "queued" and m.sid else 0

    return send, 1


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    name, base, n, conc = sys.argv[1], sys.argv[2].rstrip("/"), int(sys.argv[3]), int(sys.argv[4])
    if not base.startswith("http://127.0.0.1:"):
        sys.exit(f"refusing base URL {base!r}: benchmarks only talk to http://127.0.0.1:PORT")
    make = {"smsapi": smsapi_sender, "infobip": infobip_sender, "twilio": twilio_sender}.get(name)
    if make is None:
        sys.exit(f"unknown SDK {name!r}; use smsapi, infobip or twilio")
    send, batch = make(base)
    versions = {"smsapi": "smsapi-client", "infobip": "infobip-api-python-client", "twilio": "twilio"}
    from importlib.metadata import version
    tool = "%s %s" % (versions[name], version(versions[name]))

    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    accepted = 0
    errors = []
    slots = threading.BoundedSemaphore(2 * conc)
    lock = threading.Lock()

    def done(fut):
        nonlocal accepted
        slots.release()
        try:
            ok = fut.result()
            with lock:
                accepted += ok
        except Exception as e:  # noqa: BLE001 - reported below
            with lock:
                errors.append(repr(e)[:300])

    with ThreadPoolExecutor(max_workers=conc) as pool:
        for start in range(0, n, batch):
            slots.acquire()
            pool.submit(send, start, min(start + batch, n)).add_done_callback(done)
    secs = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if errors or accepted != n:
        sys.exit(f"{tool}: {accepted} of {n} recipients accepted; first error: {errors[:1]}")
    print(json.dumps({
        "tool": tool,
        "gateway": name,
        "recipients": n,
        "accepted": accepted,
        "per_request": batch,
        "concurrency": conc,
        "secs": secs,
        "msgs_per_sec": accepted / secs,
        "cpu_secs": cpu,
        "cpu_us_per_msg": cpu * 1e6 / accepted,
        "msgs_per_cpu_sec": accepted / cpu,
        "peak_rss_mib": r1.ru_maxrss / 1024.0,
    }))


if __name__ == "__main__":
    main()
