#!/usr/bin/env python3
"""A one-mailbox POP3 server on 127.0.0.1 whose LIST/STAT sizes are wrong on purpose, to watch what a client does.

Usage: lying-pop3.py PORT LIST_DELTA RETR_STATUS [SESSIONS]
  LIST_DELTA   added to each message's true size in LIST and STAT (e.g. 300 or -40)
  RETR_STATUS  'plain' -> "+OK", 'list' -> "+OK <LIST size> octets", 'true' -> "+OK <true size> octets"
  SESSIONS     how many connections to serve before exiting (default 1)
Accepts any USER/PASS. Serves two fixed CRLF messages; DELE + QUIT removes them (for that process).
Every command it receives is printed to stderr, so the client's dialogue can be checked afterwards.
"""
import socket
import sys

port, delta, retr_status = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sessions = int(sys.argv[4]) if len(sys.argv) > 4 else 1
messages = [
    (b"From: x@example.org\r\nTo: a@example.org\r\nSubject: lie %d\r\nMessage-ID: <lie%d@example.org>\r\n\r\n"
     b"line one\r\n.dot line\r\nlast line\r\n" % (i, i))
    for i in (1, 2)
]
deleted = set()


def listed(i):
    return len(messages[i]) + delta


def stuffed(m):
    return b"".join((b"." + line if line.startswith(b".") else line) for line in m.splitlines(keepends=True))


def serve(conn):
    f = conn.makefile("rb")
    marked = set()

    def send(s):
        conn.sendall(s if isinstance(s, bytes) else s.encode())

    send("+OK liar ready\r\n")
    for raw in f:
        line = raw.rstrip(b"\r\n").decode()
        print("C:", line, file=sys.stderr, flush=True)
        cmd, _, arg = line.partition(" ")
        cmd = cmd.upper()
        live = [i for i in range(len(messages)) if i not in deleted and i not in marked]
        if cmd in ("USER", "PASS", "NOOP"):
            send("+OK\r\n")
        elif cmd == "CAPA":
            send("+OK\r\nTOP\r\nUIDL\r\nUSER\r\n.\r\n")
        elif cmd == "STAT":
            send("+OK %d %d\r\n" % (len(live), sum(listed(i) for i in live)))
        elif cmd == "LIST" and arg:
            send("+OK %s %d\r\n" % (arg, listed(int(arg) - 1)))
        elif cmd == "LIST":
            send("+OK\r\n" + "".join("%d %d\r\n" % (i + 1, listed(i)) for i in live) + ".\r\n")
        elif cmd == "UIDL" and arg:
            send("+OK %s uid%s\r\n" % (arg, arg))
        elif cmd == "UIDL":
            send("+OK\r\n" + "".join("%d uid%d\r\n" % (i + 1, i + 1) for i in live) + ".\r\n")
        elif cmd in ("RETR", "TOP"):
            i = int(arg.split()[0]) - 1
            m = messages[i]
            if cmd == "TOP":
                head, _, body = m.partition(b"\r\n\r\n")
                n = int(arg.split()[1])
                m = head + b"\r\n\r\n" + b"".join(body.splitlines(keepends=True)[:n])
            status = {"plain": "+OK", "list": "+OK %d octets" % listed(i),
                      "true": "+OK %d octets" % len(m)}[retr_status]
            send(status.encode() + b"\r\n" + stuffed(m) + b".\r\n")
        elif cmd == "DELE":
            marked.add(int(arg) - 1)
            send("+OK\r\n")
        elif cmd == "RSET":
            marked.clear()
            send("+OK\r\n")
        elif cmd == "QUIT":
            deleted.update(marked)
            send("+OK bye\r\n")
            break
        else:
            send("-ERR unknown\r\n")
    conn.close()


with socket.create_server(("127.0.0.1", port)) as server:
    print("listening on", port, file=sys.stderr, flush=True)
    for _ in range(sessions):
        conn, _ = server.accept()
        serve(conn)
