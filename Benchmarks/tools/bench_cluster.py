#!/usr/bin/env python3
"""scripts/bench-cluster's driver: `subtitler serve` as 1, 2 and 4 nodes on this machine over one private
PostgreSQL cluster, against a stub API with a fixed latency, under a cluster-wide limit of requests in flight.

    bench_cluster.py BIN WORK [--nodes 1,2,4] [--jobs 24] [--seconds 22] [--latency-ms 400] [--limit 4]
                     [--node-jobs 2] [--pg-bin /usr/lib/postgresql/15/bin]

For each node count: a fresh database, fresh caches, every node started with the same flags, all jobs submitted
at once (round robin over the nodes), then polled until every job has ended. Prints, per node count: jobs per
minute (from the first submission to the last job's end), queue wait p50/p95 (a job's end minus its creation
minus its own wall time), each node's peak memory (VmHWM), the most PostgreSQL connections seen
(pg_stat_activity) and the stub's peak of requests at once. Everything listens on 127.0.0.1 and stops by itself.
Standard library only.
"""
import argparse, http.server, json, os, pathlib, shutil, signal, socket, statistics, subprocess, sys, threading, time
import urllib.request

VERBOSE = json.dumps({"task": "transcribe", "language": "english", "duration": 9.0, "text": "Tone.",
                      "segments": [{"id": 0, "seek": 0, "start": 0.5, "end": 2.5, "text": " Tone.", "avg_logprob": -0.2,
                                    "compression_ratio": 1.1, "no_speech_prob": 0.01}]}).encode()


class Stub:
    """The API: every POST answered with one segment after a fixed latency; counts requests and the peak at once."""

    def __init__(self, latency):
        self.latency, self.lock, self.in_flight, self.peak, self.count = latency, threading.Lock(), 0, 0, 0
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                with stub.lock:
                    stub.in_flight += 1; stub.count += 1; stub.peak = max(stub.peak, stub.in_flight)
                time.sleep(stub.latency)
                with stub.lock:
                    stub.in_flight -= 1
                self.send_response(200); self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(VERBOSE))); self.end_headers(); self.wfile.write(VERBOSE)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self):
        with self.lock:
            self.in_flight, self.peak, self.count = 0, 0, 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def run_pg(pg_bin, program, args, log):
    """Runs a PostgreSQL program (as postgres under root), its output to a file (never a pipe: the server pg_ctl
    leaves running would hold it open)."""
    argv = [os.path.join(pg_bin, program)] + args
    if os.geteuid() == 0:
        argv = ["/usr/sbin/runuser", "-u", "postgres", "--"] + argv
    with open(log, "ab") as out:
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, check=True, timeout=120)


def psql(port, database, sql):
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "subtitler", "-d", database, "-tAc", sql],
                         capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.strip()


def request(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as answer:
        return json.loads(answer.read() or b"null")


def make_media(folder, count, seconds, talk):
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        path = folder / f"j{index}.wav"
        if path.exists():
            continue
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "-1", "-i", str(talk),
                        "-f", "lavfi", "-i", f"sine=frequency={300 + 7 * index}:sample_rate=16000:duration={seconds}",
                        "-filter_complex",
                        "[0:a]aresample=16000,aformat=channel_layouts=mono[s];[1:a]volume=0.02[t];"
                        "[s][t]amix=inputs=2:duration=shortest:normalize=0,volume='if(lt(mod(t,10),8),1,0)':eval=frame",
                        "-t", str(seconds), "-ac", "1", str(path)], check=True, timeout=120)


def start_node(bin_path, work, name, store, media, stub, args):
    state = work / f"node-{name}"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUBTITLER_"))}
    env.update(XDG_STATE_HOME=str(state / "state"), XDG_CACHE_HOME=str(state / "cache"),
               OPENAI_BASE_URL=f"http://127.0.0.1:{stub.port}/v1")
    log = open(state / "serve.log", "wb")
    process = subprocess.Popen([bin_path, "serve", "--port", "0", "--root", str(media), "--store", store,
                                "--node-id", name, "--lease", "10", "--jobs", str(args.node_jobs), "--requests", "2",
                                "--chunk-seconds", "10", "--cluster-in-flight", str(args.limit)],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        text = (state / "serve.log").read_text(errors="replace")
        if "listening on http://" in text:
            url = "http://" + text.split("listening on http://", 1)[1].split()[0]
            return process, url
        if process.poll() is not None:
            sys.exit(f"bench-cluster: node {name} exited: {text[-500:]}")
        time.sleep(0.1)
    process.kill()
    sys.exit(f"bench-cluster: node {name} did not start")


def peak_rss_mb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


def bench(nodes, args, work, media, stub, pg_port):
    database = f"bench{nodes}"
    psql(pg_port, "postgres", f"DROP DATABASE IF EXISTS {database}")
    psql(pg_port, "postgres", f"CREATE DATABASE {database}")
    store = f"postgres://subtitler@127.0.0.1:{pg_port}/{database}?sslmode=disable"
    for leftover in media.glob("*.srt"):
        leftover.unlink()
    stub.reset()
    started = [start_node(args.bin, work, f"n{k}", store, media, stub, args) for k in range(nodes)]
    urls = [url for _, url in started]
    try:
        first = time.time()
        submitted = {}
        for index in range(args.jobs):
            job = request("POST", f"{urls[index % nodes]}/v1/jobs", {"path": str(media / f"j{index}.wav"), "language": "en"})
            submitted[job["id"]] = time.time()
        # A job's queue wait: from its submission to the first poll (every 0.2 s) that sees it started.
        connections, deadline, jobs, started_at = 0, time.time() + args.timeout, [], {}
        while time.time() < deadline:
            connections = max(connections, int(psql(pg_port, "postgres",
                                                    f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'")))
            jobs = request("GET", f"{urls[0]}/v1/jobs?limit=1000")
            now = time.time()
            for job in jobs:
                if job["state"] != "queued":
                    started_at.setdefault(job["id"], now)
            if len(jobs) == args.jobs and all(job["state"] in ("done", "failed", "cancelled") for job in jobs):
                break
            time.sleep(0.2)
        else:
            sys.exit(f"bench-cluster: {nodes} node(s): the jobs did not all end within {args.timeout} s")
        elapsed = time.time() - first
        waits = [started_at[i] - submitted[i] for i in submitted if i in started_at]
        failed = sum(job["state"] != "done" for job in jobs)
        memory = [peak_rss_mb(process.pid) for process, _ in started]
        return {
            "nodes": nodes, "jobs": args.jobs, "failed": failed, "requests": stub.count, "seconds": round(elapsed, 1),
            "jobsPerMinute": round(args.jobs / elapsed * 60, 1),
            "queueWaitP50": round(percentile(waits, 0.5), 1), "queueWaitP95": round(percentile(waits, 0.95), 1),
            "peakMemoryMB": [round(m) for m in memory], "postgresConnections": connections,
            "stubPeakInFlight": stub.peak, "limit": args.limit,
            "byNode": {name: sum(job.get("node") == name for job in jobs) for name in sorted({j.get("node") for j in jobs})},
        }
    finally:
        for process, _ in started:
            process.send_signal(signal.SIGTERM)
        for process, _ in started:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin"); parser.add_argument("work")
    parser.add_argument("--nodes", default="1,2,4"); parser.add_argument("--jobs", type=int, default=24)
    parser.add_argument("--seconds", type=int, default=22); parser.add_argument("--latency-ms", type=int, default=400)
    parser.add_argument("--limit", type=int, default=4); parser.add_argument("--node-jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--pg-bin", default=os.environ.get("SUBTITLER_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
    parser.add_argument("--talk", default=str(pathlib.Path(__file__).resolve().parents[2] / "samples" / "talk-en.mp4"))
    args = parser.parse_args()
    work = pathlib.Path(args.work)
    media = work / "media"
    print(f"bench-cluster: making {args.jobs} files of {args.seconds} s", file=sys.stderr)
    make_media(media, args.jobs, args.seconds, args.talk)
    data, pg_log, pg_port = work / "pg", work / "pg.log", free_port()
    data.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(work, "postgres"); shutil.chown(data, "postgres")
    run_pg(args.pg_bin, "initdb", ["-D", str(data), "-U", "subtitler", "--auth=trust", "-E", "UTF8"], pg_log)
    options = f"-p {pg_port} -k {work} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    run_pg(args.pg_bin, "pg_ctl", ["-D", str(data), "-l", str(work / "server.log"), "-w", "-t", "60", "-o", options,
                                   "start"], pg_log)
    stub = Stub(args.latency_ms / 1000)
    results = []
    try:
        for nodes in [int(n) for n in args.nodes.split(",")]:
            print(f"bench-cluster: {nodes} node(s)…", file=sys.stderr)
            result = bench(nodes, args, work, media, stub, pg_port)
            print(json.dumps(result), file=sys.stderr)
            results.append(result)
    finally:
        run_pg(args.pg_bin, "pg_ctl", ["-D", str(data), "-m", "fast", "-w", "stop"], pg_log)
    print(f"| nodes | jobs/min | queue wait p50 / p95 (s) | peak memory per node (MB) | PostgreSQL connections | "
          f"requests at once (limit {args.limit}) |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['nodes']} | {r['jobsPerMinute']} | {r['queueWaitP50']} / {r['queueWaitP95']} | "
              f"{', '.join(str(m) for m in r['peakMemoryMB'])} | {r['postgresConnections']} | {r['stubPeakInFlight']} |")
    print(f"\n{args.jobs} jobs of {args.seconds} s each ({results[0]['requests'] if results else 0} requests), stub latency "
          f"{args.latency_ms} ms, --cluster-in-flight {args.limit}, --jobs {args.node_jobs} --requests 2 per node; "
          f"failed: {sum(r['failed'] for r in results)}")


if __name__ == "__main__":
    main()
