#!/usr/bin/env python3
"""Failover under Litestream, with real processes: the registry runs under `litestream
replicate -exec` with a file replica, several clients write, the server and Litestream are
killed with SIGKILL, the replica is restored to a new path as a second machine would, and
the server is started there.

Checked each round: every write acknowledged more than one sync interval (plus half a second
for shipping it: Litestream sends a change at most a sync interval after its last shipment,
and the shipment itself takes time) before the kill is in the restored database; nothing is half-written (each project has its audit event, which
the same transaction wrote); integrity_check is ok; the restored registry serves. Then a
point-in-time restore (-timestamp) gives the portfolio as it stood then.

Usage: failover.py PORTFOLIO_REGISTRY_BINARY LITESTREAM_BINARY [--rounds N] [--seconds S]
Only ever listens on and connects to 127.0.0.1. Exits non-zero on any failed check.
"""
import argparse, datetime, http.client, json, os, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time

SYNC_INTERVAL = 1.0
SHIPPING_ALLOWANCE = 0.5  # --allowance
CONFIRMED = False  # --confirmed: serve --litestream-socket, every commit confirmed by the replica
def runbook_config():
    """The file-replica configuration from the README's runbook, as written there, with this
    test's paths in place of /data/portfolio.sqlite and /replica/portfolio."""
    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
    text = open(readme, encoding="utf-8").read()
    for block in text.split("```yaml\n")[1:]:
        block = block.split("```")[0]
        if "type: file" in block:
            return block.replace("{", "{{").replace("}", "}}") \
                .replace("/data/portfolio.sqlite", "{db}").replace("/replica/portfolio", "{replica}") \
                .replace("/run/litestream.sock", "{socket}")
    raise SystemExit("the README has no file-replica configuration for Litestream")

# As the README says to run it (the database monitor notices a commit within 100 ms).
CONFIG = runbook_config()

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def request(port, method, path, token=None, body=None, timeout=10):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data

def wait_healthy(port, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if request(port, "GET", "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server on port {port} did not come up")

def run(*command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")
    return result.stdout.strip()

failures = []
oldest_missing = []
def check(condition, message):
    print(("  ok    " if condition else "  FAIL  ") + message, flush=True)
    if not condition:
        failures.append(message)

def prepare_primary(registry, primary, replica, directory):
    """An agency MINA with a token in the primary's database, and Litestream's configuration
    replicating it to `replica`; returns the token and the configuration's path."""
    run(registry, "agency", "create", "--code", "MINA", "--name", "Agency A", "--db", primary)
    token = run(registry, "token", "issue", "--agency", "MINA", "--db", primary)
    config = os.path.join(directory, "litestream.yml")
    with open(config, "w") as f:
        f.write(CONFIG.format(db=primary, replica=replica, socket=control_socket(directory)))
    return token, config

def control_socket(directory):
    return os.path.join(directory, "litestream.sock")

def one_round(number, registry, litestream, seconds, work, serve_flags=""):
    directory = os.path.join(work, f"round-{number}")
    os.makedirs(directory)
    primary = os.path.join(directory, "primary", "registry.sqlite")
    replica = os.path.join(directory, "replica")
    os.makedirs(os.path.dirname(primary))
    token, config = prepare_primary(registry, primary, replica, directory)

    port = free_port()
    # Its own process group, so that one SIGKILL takes Litestream and the server together.
    supervisor = subprocess.Popen(
        [litestream, "replicate", "-config", config, "-exec", f"{registry} serve --port {port} --db {primary} {serve_flags}"
         + (f" --litestream-socket {control_socket(directory)}" if CONFIRMED else "")],
        stdout=open(os.path.join(directory, "primary.log"), "w"), stderr=subprocess.STDOUT, start_new_session=True)
    wait_healthy(port)

    acknowledged = []  # (external_id, id, monotonic time of the 201)
    lock = threading.Lock()
    stop = threading.Event()
    def writer(client):
        n = 0
        while not stop.is_set():
            n += 1
            external = f"W{client}-{n}"
            body = {"external_id": external, "title": f"Written by client {client}", "whole_life_cost": 100000 + n,
                    "planned_end_date": "2029-06-30", "systems": [f"System {client}-{n % 7}"]}
            try:
                status, data = request(port, "POST", "/api/v1/projects", token, body, timeout=5)
            except OSError:
                return  # the server was killed under us
            if status == 201:
                with lock:
                    acknowledged.append((external, json.loads(data)["id"], time.monotonic()))
    threads = [threading.Thread(target=writer, args=(c,)) for c in range(4)]
    for t in threads:
        t.start()
    time.sleep(seconds / 2)
    # The moment for the point-in-time restore, as wall-clock time (what -timestamp takes).
    pit_wall = datetime.datetime.now(datetime.timezone.utc)
    pit_monotonic = time.monotonic()
    time.sleep(seconds / 2)
    os.killpg(supervisor.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    stop.set()
    for t in threads:
        t.join()
    supervisor.wait()

    # A second machine: only the replica survives.
    restored = os.path.join(directory, "restored", "registry.sqlite")
    os.makedirs(os.path.dirname(restored))
    started = time.monotonic()
    run(litestream, "restore", "-o", restored, "file://" + replica)
    restore_seconds = time.monotonic() - started

    db = sqlite3.connect(f"file:{restored}?mode=ro", uri=True)
    check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"round {number}: integrity_check of the restored database is ok")
    present = {row[0] for row in db.execute("SELECT external_id FROM projects WHERE agency_code = 'MINA'")}
    # With --confirmed every commit waited for the replica before it was answered: every
    # acknowledged write must be there, however shortly before the kill.
    old_enough = acknowledged if CONFIRMED else [a for a in acknowledged if a[2] < killed_at - SYNC_INTERVAL - SHIPPING_ALLOWANCE]
    lost = [a[0] for a in old_enough if a[0] not in present]
    missing_ages = [killed_at - a[2] for a in acknowledged if a[0] not in present]
    oldest_missing.append(max(missing_ages, default=0))
    print(f"  round {number}: {len(missing_ages)} acknowledged writes not restored, the oldest acknowledged "
          f"{max(missing_ages, default=0):.2f} s before the kill", flush=True)
    check(not lost, f"round {number}: all {len(old_enough)} writes acknowledged "
          + ("(each confirmed by the replica)" if CONFIRMED else f"over {SYNC_INTERVAL + SHIPPING_ALLOWANCE:.1f} s before the kill") + " are restored"
          f" ({len(acknowledged)} acknowledged in all, {len(present)} restored, restore took {restore_seconds:.2f} s)"
          + (f"; lost: {lost[:5]}" if lost else ""))
    unaudited = db.execute("""SELECT count(*) FROM projects p WHERE NOT EXISTS
        (SELECT 1 FROM audit_events a WHERE a.entity = 'project' AND a.entity_id = CAST(p.id AS TEXT) AND a.action = 'project.create')""").fetchone()[0]
    check(unaudited == 0, f"round {number}: nothing half-written: every restored project has the audit event of its creation")
    db.close()

    # The restored registry serves, with what was acknowledged.
    second_port = free_port()
    server = subprocess.Popen([registry, "serve", "--port", str(second_port), "--db", restored],
                              stdout=open(os.path.join(directory, "restored.log"), "w"), stderr=subprocess.STDOUT)
    try:
        wait_healthy(second_port)
        sample = old_enough[:: max(1, len(old_enough) // 20)]
        statuses = [request(second_port, "GET", f"/api/v1/projects/{a[1]}", token)[0] for a in sample]
        check(statuses and all(s == 200 for s in statuses), f"round {number}: the restored registry serves {len(sample)} sampled acknowledged projects")
        status, _ = request(second_port, "POST", "/api/v1/projects", token,
                            {"external_id": "AFTER-FAILOVER", "title": "Written after failover", "whole_life_cost": 5, "planned_end_date": "2030-01-01"})
        check(status == 201, f"round {number}: the restored registry takes writes")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    # Point in time: the portfolio as it stood at pit_wall.
    pit = os.path.join(directory, "pit", "registry.sqlite")
    os.makedirs(os.path.dirname(pit))
    run(litestream, "restore", "-timestamp", pit_wall.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "-o", pit, "file://" + replica)
    db = sqlite3.connect(f"file:{pit}?mode=ro", uri=True)
    at_pit = {row[0] for row in db.execute("SELECT external_id FROM projects WHERE agency_code = 'MINA'")}
    db.close()
    before = [a[0] for a in acknowledged if a[2] < pit_monotonic - SYNC_INTERVAL]
    after = [a[0] for a in acknowledged if a[2] > pit_monotonic + SYNC_INTERVAL]
    check(all(e in at_pit for e in before) and not any(e in at_pit for e in after) and len(at_pit) < len(present),
          f"round {number}: restored to {pit_wall:%H:%M:%S.%f}: {len(at_pit)} projects, all {len(before)} acknowledged before it and none of the {len(after)} after")
    return len(lost)

def main():
    global SHIPPING_ALLOWANCE, CONFIRMED
    parser = argparse.ArgumentParser()
    parser.add_argument("registry")
    parser.add_argument("litestream")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--allowance", type=float, default=SHIPPING_ALLOWANCE, help="seconds allowed for shipping, beyond the sync interval")
    parser.add_argument("--serve-flags", default="", help="extra flags for serve, e.g. --wal-autocheckpoint 0")
    parser.add_argument("--confirmed", action="store_true",
                        help="serve --litestream-socket: every acknowledged write must be restored, not only those older than the sync interval")
    args = parser.parse_args()
    SHIPPING_ALLOWANCE = args.allowance
    CONFIRMED = args.confirmed
    registry, litestream = os.path.abspath(args.registry), os.path.abspath(args.litestream)
    print(run(litestream, "version"))
    with tempfile.TemporaryDirectory(prefix="failover-") as work:
        lost = sum(one_round(n, registry, litestream, args.seconds, work, args.serve_flags) for n in range(1, args.rounds + 1))
    print(f"{args.rounds} kill-and-restore rounds{' (commits confirmed by the replica)' if CONFIRMED else ''}: {lost} acknowledged writes "
          f"{'' if CONFIRMED else 'older than the sync interval and shipping '}lost; "
          f"the oldest write not restored was acknowledged {max(oldest_missing, default=0):.2f} s before its kill; {len(failures)} failed checks")
    sys.exit(1 if failures else 0)

if __name__ == "__main__":
    main()
