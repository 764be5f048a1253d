"""The RQ side of the queue benchmark (run by the queue-bench example; not imported elsewhere).

Usage: rq_side.py REDIS_PORT JOBS LATENCY_SAMPLES
Prints one JSON object: throughput of RQ's SimpleWorker (in-process) and forking Worker (what
the cloud version ran), and enqueue-to-start latency with a worker waiting on the queue.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

from redis import Redis
from rq import Queue, SimpleWorker, Worker

port, jobs, samples = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
redis = Redis(port=port)
here = tempfile.mkdtemp()
with open(os.path.join(here, "pw_bench_tasks.py"), "w") as f:
    f.write(
        "import time\nfrom redis import Redis\n"
        "def noop():\n    return None\n"
        f"def stamp(key):\n    Redis(port={port}).set(key, repr(time.time()))\n"
    )
sys.path.insert(0, here)
import pw_bench_tasks  # noqa: E402

def drain(worker_class, count):
    redis.flushdb()
    queue = Queue("default", connection=redis)
    for _ in range(count):
        queue.enqueue(pw_bench_tasks.noop)
    started = time.perf_counter()
    worker_class([queue], connection=redis).work(burst=True, logging_level="ERROR")
    return count / (time.perf_counter() - started)

simple = drain(SimpleWorker, jobs)
forking = drain(Worker, max(200, jobs // 10))

redis.flushdb()
env = dict(os.environ, PYTHONPATH=here)
worker = subprocess.Popen(
    [sys.executable, "-m", "rq.cli", "worker", "--url", f"redis://127.0.0.1:{port}", "-w", "rq.worker.SimpleWorker", "-q", "default"],
    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
try:
    queue = Queue("default", connection=redis)
    time.sleep(1.5)
    latencies = []
    for i in range(samples):
        key = f"stamp:{i}"
        sent = time.time()
        queue.enqueue(pw_bench_tasks.stamp, key)
        while not redis.exists(key):
            time.sleep(0.0005)
        latencies.append((float(redis.get(key)) - sent) * 1000)
finally:
    worker.terminate()
    worker.wait()
latencies.sort()
print(json.dumps({
    "simple_worker_jobs_per_s": simple,
    "forking_worker_jobs_per_s": forking,
    "latency_p50_ms": latencies[len(latencies) // 2],
    "latency_p95_ms": latencies[int(len(latencies) * 0.95)],
}))
