#!/usr/bin/env python3
"""What bench/kyverno.sh reads out of one open-loop run, and where its tail comes from.

  open_loop.py latency RESULTS.csv RATE      vegeta's CSV: sent, % ok, throughput, p50 p99 p99.9 max of the whole run,
                                             then p50 p99 of its first second and p50 p99 p99.9 of the rest, then the
                                             run's first and last instant (seconds since the epoch)
  open_loop.py gc GC.log FROM TO             stop-the-world pauses of a JVM log (-Xlog:gc with the utctime decorator)
                                             between two instants: count, longest and total in ms, and the MiB the
                                             program allocated between them (heap growth between collections)
  open_loop.py connections URL TARGETS PID N what a new TLS connection costs the server PID: CPU per connection (a
                                             handshake and one review) over the first N and the next N, one after
                                             another, then CPU per review over one kept-alive connection

The first second of a run is apart because vegeta starts with no connection: it opens one per request in flight, up
to its limit, so the first second's tail is TLS handshakes queued behind each other, a cost the API server pays once
per connection it then keeps (it keeps idle ones for 90 s). The rest is the steady state under the offered rate.
"""
import base64
import csv
import datetime
import json
import os
import re
import socket
import ssl
import sys


def percentile(values, p):
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def latency(path, rate):
    rows = list(csv.reader(open(path)))
    if not rows:
        print("0 0 0 - - - - - - - - - 0 0")
        return
    start = min(int(r[0]) for r in rows)
    end = max(int(r[0]) + int(r[2]) for r in rows)
    ok = [r for r in rows if r[1] == "200" and not r[5]]
    every = sorted(int(r[2]) / 1e6 for r in rows)
    first = sorted(int(r[2]) / 1e6 for r in rows if int(r[0]) - start < 1e9)
    rest = sorted(int(r[2]) / 1e6 for r in rows if int(r[0]) - start >= 1e9)
    throughput = len(ok) / ((end - start) / 1e9) if end > start else 0
    figures = [percentile(every, .5), percentile(every, .99), percentile(every, .999), every[-1],
               percentile(first, .5), percentile(first, .99),
               percentile(rest, .5), percentile(rest, .99), percentile(rest, .999)]
    print(len(rows), f"{100 * len(ok) / len(rows):.1f}", f"{throughput:.0f}", *(f"{f:.2f}" for f in figures),
          f"{start / 1e9:.3f}", f"{end / 1e9:.3f}")


def gc(path, since, until):
    pauses, allocated, heap_after = [], 0, None
    for line in open(path):
        match = re.match(r"\[([^\]]+)\].*Pause.* ([0-9]+)M->([0-9]+)M\([0-9]+M\) ([0-9.]+)ms$", line)
        if not match:
            continue
        at = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
        before, after = int(match.group(2)), int(match.group(3))
        if float(since) <= at <= float(until):
            pauses.append(float(match.group(4)))
            if heap_after is not None:
                allocated += before - heap_after  # what the program allocated since the previous collection
        heap_after = after
    print(len(pauses), f"{max(pauses, default=0):.1f}", f"{sum(pauses):.0f}", allocated)


def connections(url, targets, pid, n):
    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1]
    body = base64.b64decode(json.loads(open(targets).readline())["body"])
    request = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    def cpu_ms():
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")  # utime + stime

    def review(connection):
        connection.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += connection.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: *([0-9]+)", head).group(1))
        while len(rest) < length:
            rest += connection.recv(65536)

    def new_connection():
        return context.wrap_socket(socket.create_connection((host, int(port))), server_hostname=host)

    figures = []
    for _ in range(2):
        before = cpu_ms()
        for _ in range(n):
            with new_connection() as connection:
                review(connection)
        figures.append((cpu_ms() - before) / n)
    with new_connection() as connection:
        before = cpu_ms()
        for _ in range(n):
            review(connection)
        figures.append((cpu_ms() - before) / n)
    print(*(f"{f:.2f}" for f in figures))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "latency":
        latency(args[0], int(args[1]))
    elif command == "gc":
        gc(*args)
    elif command == "connections":
        connections(args[0], args[1], args[2], int(args[3]))
    else:
        sys.exit(__doc__)
