#!/usr/bin/env python3
"""Redis CPU instructions per processed job, counted by callgrind: a measure of the scripts' cost that does not move
with the machine's load (timings here move by a quarter between runs; this count by a thousandth).

    python3 bench/redis-instructions.py [SCRIPTS_DIR] [JOBS]

Starts redis-server under valgrind's callgrind on a free port, enqueues JOBS jobs (default 10 000) with the real
enqueue.lua, then, counting only from there, fetches them in batches of 200 and completes each batch together with
the next fetch (as a worker's pump does), keeping completed jobs with the default retention trimmed to 2 000 so
trimming is measured too. Prints the instructions Redis executed per processed job. Needs python3, valgrind and
redis-server; nothing else. SCRIPTS_DIR defaults to src/Conveyor/Storage/Scripts, so a copy with a change can be
compared against the original.
"""
import glob, os, re, socket, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "src/Conveyor/Storage/Scripts")
JOBS = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
BATCH = 200


class Resp:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def read(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("unexpected reply %r" % line)

    def pipe(self, commands):
        self.sock.sendall(b"".join(self.encode(*c) for c in commands))
        return [self.read() for _ in commands]

    def call(self, *args):
        return self.pipe([args])[0]


def script(name):
    """The script's final body, built as ScriptCatalog builds it, and its key names."""
    common = open(os.path.join(SCRIPTS, "_common.lua"), encoding="utf-8", newline="").read()
    source = open(os.path.join(SCRIPTS, name + ".lua"), encoding="utf-8", newline="").read()
    keys = re.search(r"^KEYS: (.*)$", source, re.M).group(1).split()
    prelude = "local K = {" + "".join(f" {k} = KEYS[{i + 1}]," for i, k in enumerate(keys)) + " }\n"
    prelude += "local ARGV_SIGNAL, ARGV_EVENTS = ARGV[1], ARGV[2]\n"
    return prelude + common + "\n" + source, keys


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port, out_dir = free_port(), tempfile.mkdtemp(prefix="redis-instructions-")
    out = os.path.join(out_dir, "callgrind.out")
    server = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "redis-server",
                               "--port", str(port), "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                r = Resp(port)
                r.call("PING")
                break
            except (ConnectionError, RuntimeError):
                time.sleep(0.2)
        shas = {}
        for name in ("enqueue", "fetch", "complete"):
            body, keys = script(name)
            shas[name] = (r.call("SCRIPT", "LOAD", body), ["conveyor:{bench}:" + k for k in keys])

        def run(name, *argv):
            sha, keys = shas[name]
            return ("EVALSHA", sha, len(keys), *keys, "conveyor:{bench}:signal", "conveyor:{bench}:events", *argv)

        envelope = '{"name":"noop","data":{"i":%d},"created":1763900000000}'
        chunks = []
        for start in range(0, JOBS, 500):
            args = []
            for i in range(start, min(JOBS, start + 500)):
                args += ["01KAB0000%017d" % i, envelope % i]
            chunks.append(run("enqueue", len(args) // 2, *args))
        r.pipe(chunks)

        subprocess.run(["callgrind_control", "-z", str(server.pid)], capture_output=True, check=True)
        done, reply = 0, r.call(*run("fetch", BATCH, 30_000, "w#1"))
        while len(reply) > 3:
            stride, first = int(reply[3]), int(reply[1])
            ids = reply[4::stride]
            acks = []
            for i, job in enumerate(ids):
                acks += [job, first + i]
            refused, reply = r.pipe([run("complete", "w", len(ids), "86400000:2000", *acks), run("fetch", BATCH, 30_000, "w#1")])
            assert refused == [], refused
            done += len(ids)
        subprocess.run(["callgrind_control", "-d", str(server.pid)], capture_output=True, check=True)
    finally:
        server.terminate()
        server.wait()

    instructions = 0
    for path in glob.glob(out + "*"):
        for line in open(path):
            if line.startswith(("summary:", "totals:")):
                instructions = max(instructions, int(line.split()[1]))
    print(f"{instructions / done:.0f} Redis instructions per processed job ({done} jobs, batches of {BATCH})")


main()
