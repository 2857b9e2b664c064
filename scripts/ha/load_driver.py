#!/usr/bin/python3
"""Write load for the failover drill: contacts created through two Confide processes.

Each worker creates contacts one after another. A write is one logical operation with its own
Idempotency-Key (also its external_id); whatever goes wrong (a timeout, a 503, the process
gone), the worker sends the same write again, to the other process if its own is gone, until it
is acknowledged (200) or the run ends. Runs until the stop file appears, then checks every
write through the API: an acknowledged write must exist exactly once (else it was lost or
duplicated), an unacknowledged one at most once. Writes a JSON report.

Only the Python standard library: the drill runs wherever Debian's python3 is.
"""
import argparse
import http.client
import json
import os
import ssl
import sys
import threading
import time


def connect(target):
    host, port, ca = target
    context = ssl.create_default_context(cafile=ca)
    return http.client.HTTPSConnection(host, port, timeout=90, context=context)


def request(target, token, method, path, body, key=None):
    connection = connect(target)
    try:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Accept": "application/json", "Intercom-Version": "2.14"}
        if key is not None:
            headers["Idempotency-Key"] = key
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def worker(index, targets, token, stop_file, records, lock):
    own = index % len(targets)
    sequence = 0
    while not os.path.exists(stop_file):
        key = f"w{index}-{sequence}"
        sequence += 1
        record = {"key": key, "first_sent": time.time(), "attempts": 0, "acked_at": None, "acked_sent": None, "statuses": []}
        with lock:
            records.append(record)
        target = own
        while record["acked_at"] is None and not os.path.exists(stop_file):
            record["attempts"] += 1
            sent = time.time()
            try:
                status, _ = request(targets[target], token, "POST", "/contacts", {"external_id": key, "role": "lead"}, key)
            except (OSError, http.client.HTTPException):
                status = 0
            if status == 200:
                record["acked_at"] = time.time()
                record["acked_sent"] = sent
                break
            if len(record["statuses"]) < 20:
                record["statuses"].append(status)
            if status == 0:
                target = (target + 1) % len(targets)  # the process is gone: the other one serves
            time.sleep(0.2)


def count_contacts(target, token, key):
    body = {"query": {"field": "external_id", "operator": "=", "value": key}}
    for _ in range(30):
        try:
            status, payload = request(target, token, "POST", "/contacts/search", body)
            if status == 200:
                return json.loads(payload)["total_count"]
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(1)
    raise RuntimeError("the verification search failed")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", action="append", required=True, help="host:port:ca.pem of a Confide process")
    parser.add_argument("--token", required=True)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--stop-file", required=True)
    parser.add_argument("--report", required=True)
    args = parser.parse_args()
    targets = []
    for spec in args.target:
        host, port, ca = spec.split(":", 2)
        targets.append((host, int(port), ca))

    records, lock = [], threading.Lock()
    threads = [threading.Thread(target=worker, args=(i, targets, args.token, args.stop_file, records, lock), daemon=True)
               for i in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Verify through a process that is still up.
    alive = None
    for target in targets:
        try:
            if request(target, args.token, "GET", "/me", None)[0] == 200:
                alive = target
                break
        except (OSError, http.client.HTTPException):
            continue
    if alive is None:
        print("no Confide process answers for the verification", file=sys.stderr)
        sys.exit(1)

    lost, duplicated, unacknowledged = [], [], 0
    for record in records:
        count = count_contacts(alive, args.token, record["key"])
        record["found"] = count
        if record["acked_at"] is not None and count == 0:
            lost.append(record["key"])
        if count > 1:
            duplicated.append(record["key"])
        if record["acked_at"] is None:
            unacknowledged += 1

    report = {
        "writes": len(records),
        "acknowledged": sum(1 for r in records if r["acked_at"] is not None),
        "unacknowledged_at_stop": unacknowledged,
        "lost": lost,
        "duplicated": duplicated,
        "acks": sorted((r["acked_sent"], r["acked_at"]) for r in records if r["acked_at"] is not None),
    }
    with open(args.report, "w", encoding="utf-8") as out:
        json.dump(report, out)
    print(f"{report['writes']} writes, {report['acknowledged']} acknowledged, {len(lost)} acknowledged and lost, {len(duplicated)} duplicated")


if __name__ == "__main__":
    main()
