"""Open N keep-alive connections, make one request on each, then hold them idle.

Usage: idle_connections.py PORT N SECONDS. Prints "holding N" once all are idle.
Only ever connects to 127.0.0.1; stops by itself after SECONDS.
"""
import socket
import sys
import time

port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
request = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"
sockets = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(request)
    sockets.append(s)
for s in sockets:
    s.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("server closed an idle connection early")
        data += chunk
print(f"holding {len(sockets)}", flush=True)
deadline = time.time() + seconds
while time.time() < deadline:
    time.sleep(0.5)
for s in sockets:
    s.close()
