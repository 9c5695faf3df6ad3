#!/usr/bin/env python3
"""A read replica kept up to date by Litestream, with real processes: the primary runs under
`litestream replicate` (file replica), a follower file is kept by `litestream restore -f`,
and `serve --read-only` serves it. Writes go to the primary at a steady rate; each must be
served by the replica within the limit, and every write sent to the replica must answer 503
naming the primary. Prints the lag (primary's 201 to the replica's 200).

Usage: follower.py PORTFOLIO_REGISTRY_BINARY LITESTREAM_BINARY [--seconds S] [--rate N] [--limit SECONDS]
Only ever listens on and connects to 127.0.0.1. Exits non-zero on any failed check.
"""
import argparse, json, os, signal, statistics, subprocess, sys, tempfile, threading, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failover import free_port, prepare_primary, request, wait_healthy

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("registry")
    parser.add_argument("litestream")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=20, help="writes per second to the primary")
    parser.add_argument("--limit", type=float, default=5, help="most seconds a write may take to reach the replica")
    args = parser.parse_args()
    registry, litestream = os.path.abspath(args.registry), os.path.abspath(args.litestream)
    failures = []
    processes = []
    with tempfile.TemporaryDirectory(prefix="follower-") as work:
        primary_db = os.path.join(work, "primary", "registry.sqlite")
        follower_db = os.path.join(work, "replica-host", "registry.sqlite")
        replica = os.path.join(work, "replica")
        os.makedirs(os.path.dirname(primary_db))
        os.makedirs(os.path.dirname(follower_db))
        token, config = prepare_primary(registry, primary_db, replica, work)
        primary_port, replica_port = free_port(), free_port()
        log = lambda name: open(os.path.join(work, name + ".log"), "w")
        try:
            processes.append(subprocess.Popen(
                [litestream, "replicate", "-config", config, "-exec",
                 f"{registry} serve --port {primary_port} --db {primary_db} --wal-autocheckpoint 0"],
                stdout=log("primary"), stderr=subprocess.STDOUT, start_new_session=True))
            wait_healthy(primary_port)
            deadline = time.time() + 20
            while not os.path.exists(os.path.join(replica, "ltx")) and time.time() < deadline:
                time.sleep(0.2)
            processes.append(subprocess.Popen([litestream, "restore", "-f", "-follow-interval", "1s", "-o", follower_db, "file://" + replica],
                                              stdout=log("follower"), stderr=subprocess.STDOUT, start_new_session=True))
            deadline = time.time() + 20
            while not os.path.exists(follower_db) and time.time() < deadline:
                time.sleep(0.2)
            time.sleep(1)
            processes.append(subprocess.Popen(
                [registry, "serve", "--port", str(replica_port), "--db", follower_db, "--read-only", "--primary-url", f"http://127.0.0.1:{primary_port}"],
                stdout=log("replica"), stderr=subprocess.STDOUT, start_new_session=True))
            wait_healthy(replica_port)

            lags, missing = [], []
            pending = []  # (id, acknowledged at)
            lock = threading.Lock()
            done = threading.Event()
            def watch():
                while not (done.is_set() and not pending):
                    with lock:
                        batch = list(pending)
                    for project_id, acknowledged in batch:
                        if request(replica_port, "GET", f"/api/v1/projects/{project_id}", token)[0] == 200:
                            lags.append(time.monotonic() - acknowledged)
                            with lock:
                                pending.remove((project_id, acknowledged))
                        elif time.monotonic() - acknowledged > args.limit * 2:
                            missing.append(project_id)
                            with lock:
                                pending.remove((project_id, acknowledged))
                    time.sleep(0.05)
            watcher = threading.Thread(target=watch)
            watcher.start()
            n, end = 0, time.monotonic() + args.seconds
            while time.monotonic() < end:
                n += 1
                status, data = request(primary_port, "POST", "/api/v1/projects", token,
                                       {"external_id": f"F-{n}", "title": f"Followed {n}", "whole_life_cost": 1000 + n, "planned_end_date": "2029-01-01"})
                if status != 201:
                    failures.append(f"the primary answered {status} to write {n}")
                    continue
                with lock:
                    pending.append((json.loads(data)["id"], time.monotonic()))
                time.sleep(1 / args.rate)
            done.set()
            watcher.join()

            status, data = request(replica_port, "POST", "/api/v1/projects", token,
                                   {"external_id": "ON-REPLICA", "title": "x", "whole_life_cost": 1, "planned_end_date": "2029-01-01"})
            problem = json.loads(data) if data else {}
            refused = status == 503 and problem.get("primary") == f"http://127.0.0.1:{primary_port}"
            print(("  ok    " if refused else "  FAIL  ") + f"a write sent to the replica answers {status} naming {problem.get('primary')}")
            if not refused:
                failures.append("the replica did not refuse a write naming the primary")
            slow = [lag for lag in lags if lag > args.limit]
            summary = (f"{n} writes at {args.rate:g}/s: the replica served {len(lags)}; lag median {statistics.median(lags):.2f} s, "
                       f"max {max(lags):.2f} s" if lags else f"{n} writes: the replica served none")
            ok = lags and not slow and not missing
            print(("  ok    " if ok else "  FAIL  ") + summary + f"; over {args.limit:g} s: {len(slow)}; never seen: {len(missing)}")
            if not ok:
                failures.append("the replica lagged or missed writes")
        finally:
            for process in reversed(processes):
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            for process in processes:
                process.wait(timeout=30)
    sys.exit(1 if failures else 0)

if __name__ == "__main__":
    main()
