#!/usr/bin/env python3
"""Acknowledged writes survive SIGKILL (issue 10): clients create projects as fast as they can,
the server is killed with SIGKILL at a random moment, started again on the same file, and every
creation it acknowledged (201) must be there; repeated ROUNDS times. Not part of `swift test`.

Usage: Benchmarks/write_kills.py BINARY [--rounds 50] [--clients 32]
"""
import argparse
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time


def wait_for(port, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the server on port {port} did not start")


def client(port, token, prefix, acknowledged, stop):
    """Creates projects until the server goes away; records each 201."""
    counter = 0
    connection = None
    while not stop.is_set():
        counter += 1
        external_id = f"{prefix}-{counter}"
        body = json.dumps({"external_id": external_id, "title": f"Kill test {external_id}",
                           "whole_life_cost": 250000, "planned_end_date": "2028-12-31"})
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("POST", "/api/v1/projects", body=body,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status == 201:
                acknowledged.append(external_id)
        except (OSError, http.client.HTTPException):
            connection = None
            if stop.is_set():
                return
            time.sleep(0.01)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--port", type=int, default=18095)
    arguments = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="write-kills-")
    database = os.path.join(workdir, "kills.sqlite")
    run = lambda *args: subprocess.run([arguments.binary, *args, "--db", database], check=True, capture_output=True, text=True).stdout.strip()
    run("agency", "create", "--code", "KILL", "--name", "Kill test agency")
    token = run("token", "issue", "--agency", "KILL")

    total_acknowledged = 0
    lost_total = 0
    failed_checks = 0
    for round_number in range(1, arguments.rounds + 1):
        server = subprocess.Popen([arguments.binary, "serve", "--port", str(arguments.port), "--db", database, "--log-level", "warning"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(arguments.port)
        acknowledged = []
        stop = threading.Event()
        threads = [threading.Thread(target=client, args=(arguments.port, token, f"R{round_number}C{index}", acknowledged, stop))
                   for index in range(arguments.clients)]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(0.3, 2.0))
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        for thread in threads:
            thread.join()

        # The file as the next start would find it, with the write-ahead log recovered.
        db = sqlite3.connect(database)
        stored = {row[0] for row in db.execute("SELECT external_id FROM projects WHERE agency_code = 'KILL'")}
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        try:
            # The full-text index against the projects it indexes, as the kill left them.
            db.execute("INSERT INTO projects_fts (projects_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as error:
            integrity = f"full-text index: {error}"
        db.close()
        lost = [external_id for external_id in acknowledged if external_id not in stored]
        total_acknowledged += len(acknowledged)
        lost_total += len(lost)
        print(f"round {round_number:2}: {len(acknowledged):5} acknowledged, {len(lost)} lost, integrity {integrity}", flush=True)
        if lost or integrity != "ok":
            failed_checks += integrity != "ok"
            print(f"LOST: {lost[:10]}", file=sys.stderr)
    print(f"{arguments.rounds} kills: {total_acknowledged} acknowledged creations, {lost_total} lost")
    sys.exit(1 if lost_total or failed_checks else 0)


if __name__ == "__main__":
    main()
