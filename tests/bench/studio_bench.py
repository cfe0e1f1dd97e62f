#!/usr/bin/python3
"""What Hearth Studio costs and how fast it answers (docs/benchmarks.md "Studio"):

1. Training throughput of the CNN job (Fashion-MNIST, a share of it) without a studio and with one
   watching the same runs folder while a client streams its events and fetches the curves as the
   page does (alternated, ROUNDS rounds each). samples/s is each epoch's training samples over its
   training seconds, so start-up and validation are left out.
2. The stream's update rate during such a run: events per second by kind.
3. The Dashboard with 50 runs in headless Chromium (Selenium): time to first contentful paint and
   until all 50 rows are drawn; /api/runs/curves of a run with 100,000 batches.

Usage: studio_bench.py [--hearth build/bin/hearth] [--rounds 2] [--subsample 0.25] [--out DIR]
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CNN = os.path.join(ROOT, "assets", "jobs", "fashion-mnist-cnn.toml")
SMOKE = os.path.join(ROOT, "assets", "jobs", "random-smoke.toml")


class Studio:
    """A `hearth studio` in `work`, its URL read from what it prints."""

    def __init__(self, hearth, work, *extra):
        self.out = open(os.path.join(work, "studio.out"), "w+")
        self.proc = subprocess.Popen([hearth, "studio", "--port", "0", *extra], cwd=work, stdout=self.out, stderr=subprocess.STDOUT)
        for _ in range(500):
            self.out.seek(0)
            m = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]+)", self.out.read())
            if m:
                self.base, self.token = f"http://127.0.0.1:{m.group(1)}", m.group(2)
                return
            time.sleep(0.02)
        sys.exit("the studio did not start")

    def request(self, path):
        return urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {self.token}"})

    def get(self, path):
        with urllib.request.urlopen(self.request(path), timeout=60) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


class PageLikeClient(threading.Thread):
    """Reads /api/events and, as the Model tab does, fetches the curves of a run after its events
    (at most every 300 ms)."""

    def __init__(self, studio):
        super().__init__(daemon=True)
        self.studio, self.counts, self.fetches, self.stop_flag = studio, {}, 0, False
        self.started = time.monotonic()

    def run(self):
        last_fetch = 0.0
        with urllib.request.urlopen(self.studio.request("/api/events"), timeout=120) as stream:
            for raw in stream:
                if self.stop_flag:
                    return
                line = raw.decode()
                if line.startswith("event: "):
                    kind = line[7:].strip()
                    self.counts[kind] = self.counts.get(kind, 0) + 1
                elif line.startswith("data: ") and '"run":"' in line and time.monotonic() - last_fetch > 0.3:
                    run = json.loads(line[6:])["run"]
                    self.studio.get(f"/api/runs/curves?run={urllib.request.quote(run, safe='')}&max_points=1500")
                    self.fetches += 1
                    last_fetch = time.monotonic()


def train_once(hearth, runs, subsample, epochs):
    """samples/s of one CNN run: each epoch's training samples over its training seconds, as the
    run's batches.csv records them at the epoch's last batch (start-up and validation left out)."""
    job_runs = os.path.join(runs, "fashion-mnist-cnn")
    before = set(os.listdir(job_runs)) if os.path.isdir(job_runs) else set()
    subprocess.run([hearth, "run", CNN, "--runs-dir", runs, "--set", f"dataset.subsample={subsample}", "--set", f"train.epochs={epochs}"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (run,) = set(os.listdir(job_runs)) - before
    last = {}
    with open(os.path.join(job_runs, run, "batches.csv")) as f:
        next(f)
        for line in f:
            epoch, batch, batches, _, rate, _ = line.split(",")
            if batch == batches:
                last[epoch] = float(rate)
    return statistics.mean(last.values())


def cpu_seconds(pid):
    """User and system CPU seconds of a live process so far (/proc/PID/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def throughput(args, work):
    runs = os.path.join(work, "runs")
    os.makedirs(runs, exist_ok=True)
    without, with_studio, rates, shares = [], [], [], []
    for r in range(args.rounds):
        without.append(train_once(args.hearth, runs, args.subsample, args.epochs))
        studio = Studio(args.hearth, work)
        client = PageLikeClient(studio)
        client.start()
        t0 = time.monotonic()
        studio_cpu, train_cpu = cpu_seconds(studio.proc.pid), children_cpu_seconds()
        with_studio.append(train_once(args.hearth, runs, args.subsample, args.epochs))
        elapsed = time.monotonic() - t0
        shares.append((cpu_seconds(studio.proc.pid) - studio_cpu) / (children_cpu_seconds() - train_cpu))
        client.stop_flag = True
        rates.append({k: v / elapsed for k, v in client.counts.items()} | {"curve fetches": client.fetches / elapsed})
        studio.stop()
        print(f"round {r + 1}: without {without[-1]:.0f} samples/s, with the studio {with_studio[-1]:.0f} samples/s", flush=True)
    a, b = statistics.median(without), statistics.median(with_studio)
    print(f"throughput: without {a:.0f}, with {b:.0f} samples/s (median of {args.rounds}); the studio costs {100 * (a - b) / a:+.1f}%")
    # Less noisy than samples/s on a shared machine: the CPU the studio itself used, against the training's.
    print(f"the studio's own CPU time: {100 * statistics.median(shares):.2f}% of the training's (median of {args.rounds})")
    for k in sorted(rates[0]):
        print(f"stream: {statistics.median(r.get(k, 0) for r in rates):.2f} {k} per second")


def fifty_runs(args, work):
    runs = os.path.join(work, "runs50")
    for i in range(50):
        subprocess.run([args.hearth, "run", SMOKE, "--runs-dir", runs, "--set", "train.epochs=1", "--set", f"job.seed={i}"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # One run with 100,000 batches in its log, as a long training leaves it.
    job = os.path.join(runs, "random-smoke")
    long_run = os.path.join(job, sorted(os.listdir(job))[0])
    with open(os.path.join(long_run, "batches.csv"), "w") as f:
        f.write("epoch,batch,batches,loss,samples_per_s,seconds\n")
        for i in range(100000):
            f.write(f"{i // 1000 + 1},{i % 1000 + 1},1000,{1 / (1 + i / 1000):.6f},5000,{(i % 1000 + 1) * 0.01:.2f}\n")
    return runs, "random-smoke/" + os.path.basename(long_run)


def dashboard(args, work):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    runs, long_run = fifty_runs(args, work)
    studio = Studio(args.hearth, work, "--runs-dir", runs)
    t = []
    for _ in range(5):
        t0 = time.monotonic()
        studio.get(f"/api/runs/curves?run={urllib.request.quote(long_run, safe='')}&max_points=1500")
        t.append(time.monotonic() - t0)
    print(f"curves of a run with 100,000 batches (max_points=1500): {1000 * t[0]:.0f} ms the first time, then "
          f"{1000 * statistics.median(t[1:]):.0f} ms (median of 4; the log is followed, only new lines are read)")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        loads, paints = [], []
        for _ in range(5):
            driver.get(f"{studio.base}/?token={studio.token}")
            driver.find_element(By.CSS_SELECTOR, 'nav .tab[data-tab="dashboard"]').click()
            while len(driver.find_elements(By.CSS_SELECTOR, "#runs tbody tr")) < 50:
                time.sleep(0.01)
            rows_at = driver.execute_script("return performance.now()")
            paint = driver.execute_script(
                "return (performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime")
            loads.append(rows_at)
            paints.append(paint)
        print(f"dashboard with 50 runs: first contentful paint {statistics.median(paints):.0f} ms, "
              f"50 rows drawn {statistics.median(loads):.0f} ms after navigation (median of 5, headless Chromium)")
    finally:
        driver.quit()
        studio.stop()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hearth", default=os.path.join(ROOT, "build", "bin", "hearth"))
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--subsample", type=float, default=0.25)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--out")
    args = p.parse_args()
    args.hearth = os.path.abspath(args.hearth)
    work = args.out or tempfile.mkdtemp(prefix="studio-bench-")
    os.makedirs(work, exist_ok=True)
    print(f"machine: {os.cpu_count()} CPUs; {subprocess.check_output([args.hearth, '--version'], text=True).strip()}")
    throughput(args, work)
    dashboard(args, work)
    if not args.out:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
