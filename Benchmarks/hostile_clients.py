#!/usr/bin/env python3
"""Hostile clients against a server on 127.0.0.1, for a bounded time.

Usage: hostile_clients.py MODE PORT COUNT SECONDS [TOKEN]
  slowloris  COUNT sockets each trickling a header byte a second, never ending the head
  slowbody   COUNT uploads declaring 1 MB and sending one byte a second (needs TOKEN)
  vanish     COUNT clients at a time start the export, read a little, and reset the connection
  noread     COUNT clients with a tiny receive buffer start the export and never read
  pipeline   COUNT connections each writing 500 pipelined requests at once, reading slowly
A client the server closes is replaced at once, so the pressure stays at COUNT. Prints one
JSON line of counts at the end. Only ever connects to 127.0.0.1; stops by itself.
"""
import json, selectors, socket, struct, sys, time

mode, port, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
token = sys.argv[5] if len(sys.argv) > 5 else ""
stats = {"mode": mode, "clients": count, "seconds": seconds, "opened": 0, "closed_by_server": 0,
         "refused": 0, "responses": 0, "bytes_received": 0}
selector = selectors.DefaultSelector()
deadline = time.monotonic() + seconds

def request(path, extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: bench\r\n{extra}\r\n".encode()

def connect(small_buffer=False):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if small_buffer:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        stats["refused"] += 1
        s.close()
        return None
    s.setblocking(False)
    stats["opened"] += 1
    return s

def reset(s):
    """Close with RST: the client vanishes instead of closing politely."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()

class Client:
    def __init__(self):
        self.sock = None
        self.sent = 0
        self.received = 0
        self.open()

    def open(self):
        self.sock = connect(small_buffer=(mode == "noread"))
        self.sent = self.received = 0
        if self.sock is None:
            return
        try:
            if mode == "slowloris":
                self.sock.send(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n")
            elif mode == "slowbody":
                self.sock.send((f"POST /api/v1/projects HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
                                "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{").encode())
            elif mode in ("vanish", "noread"):
                self.sock.send(request("/api/v1/export/projects.json"))
            elif mode == "pipeline":
                self.sock.send(request("/healthz") * 500)
        except OSError:
            self.server_closed()
            return
        selector.register(self.sock, selectors.EVENT_READ, self)

    def server_closed(self):
        stats["closed_by_server"] += 1
        self.replace()

    def replace(self):
        if self.sock is not None:
            try:
                selector.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.sock.close()
        if time.monotonic() < deadline:
            self.open()

    def tick(self):
        """Called about once a second per client."""
        if self.sock is None:
            self.open()
            return
        try:
            if mode == "slowloris":
                self.sock.send(b"X-Slow: loris\r\n"[self.sent % 15:self.sent % 15 + 1])
                self.sent += 1
            elif mode == "slowbody":
                self.sock.send(b" ")
                self.sent += 1
        except OSError:
            self.server_closed()

    def readable(self):
        try:
            data = self.sock.recv(65536 if mode != "pipeline" else 4096)
        except BlockingIOError:
            return
        except OSError:
            self.server_closed()
            return
        if not data:
            self.server_closed()
            return
        stats["bytes_received"] += len(data)
        self.received += len(data)
        stats["responses"] += data.count(b"HTTP/1.1 ")
        if mode == "vanish" and self.received > 20000:
            selector.unregister(self.sock)
            reset(self.sock)
            self.sock = None
            self.open()
        elif mode == "pipeline" and data.count(b"HTTP/1.1 ") and self.received > 500 * 100:
            try:
                self.sock.send(request("/healthz") * 500)
                self.received = 0
            except OSError:
                self.server_closed()

clients = []
for _ in range(count):
    clients.append(Client())
    if len(clients) % 100 == 0:
        time.sleep(0.05)  # do not flood the accept queue all at once
next_tick = time.monotonic() + 1
while time.monotonic() < deadline:
    timeout = max(0, min(next_tick, deadline) - time.monotonic())
    for key, _ in selector.select(timeout):
        if mode == "noread":
            continue  # never read: the server must give up on us by itself
        key.data.readable()
    if mode == "noread":
        # The kernel reports readability forever; check only for the server closing.
        for client in clients:
            if client.sock is not None:
                try:
                    if client.sock.recv(1, socket.MSG_PEEK) == b"":
                        client.server_closed()
                except BlockingIOError:
                    pass
                except OSError:
                    client.server_closed()
        time.sleep(0.2)
    if time.monotonic() >= next_tick:
        next_tick += 1
        for client in clients:
            client.tick()
for client in clients:
    if client.sock is not None:
        client.sock.close()
print(json.dumps(stats), flush=True)
