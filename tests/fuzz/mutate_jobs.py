#!/usr/bin/env python3
"""Mutated job files against `hearth check` (and `hearth run` for the fast jobs).

Not part of the test suite (it takes minutes): docs/reliability.md gives the last result. Each
mutation of one of assets/jobs/*.toml is checked; the script fails on

  - a crash, a hang (over --timeout seconds) or an exit code other than 0, 1 and 2;
  - a refusal (exit 2) whose message does not name the job file, or names it without a line
    ("job.toml:12") where the error is about something in the file (not what it lacks);
  - for accepted mutations of the fast jobs, a run that crashes or hangs.

    tests/fuzz/mutate_jobs.py --hearth build/bin/hearth --count 1200 --seed 1 [--jobs 2]
"""
import argparse
import concurrent.futures
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
JOBS = os.path.join(HERE, "..", "..", "assets", "jobs")
FAST = {"random-smoke.toml", "csv-regression.toml"}

VALUES = ["0", "-3", "1", "-1", "2", "1e308", "-1e308", "nan", "inf", "-inf", "1e-320", "0.5",
          "9223372036854775807", "-9223372036854775808", "4294967297", "\"\"", "\"x\"",
          "\"" + "y" * 5000 + "\"", "\"../../etc/passwd\"", "\"/dev/zero\"", "\"caf\\u00e9\"",
          "\"a\\nb\"", "[]", "[0]", "[-1, 2]", "[\"a\"]", "[[1]]", "{}", "{ a = 1 }", "true", "false",
          "1979-05-27", "0x7fffffff"]
BYTES = [b"\n", b"\x00", b"\xff", b"\xc3", b"=", b"[", b"]", b"\"", b"'", b"#", b",", b".", b"{", b" ", b"\t"]


def mutate(text: bytes, rng: random.Random) -> (bytes, str):
    lines = text.split(b"\n")
    kind = rng.choice(["value", "value", "value", "delete", "duplicate", "byte", "truncate", "key", "swap"])
    assignments = [i for i, l in enumerate(lines) if b"=" in l and not l.lstrip().startswith(b"#")]
    if kind == "value" and assignments:
        i = rng.choice(assignments)
        key = lines[i].split(b"=", 1)[0]
        value = rng.choice(VALUES)
        lines[i] = key + b"= " + value.encode()
        return b"\n".join(lines), f"line {i + 1}: value {value[:30]}"
    if kind == "delete":
        i = rng.randrange(len(lines))
        del lines[i]
        return b"\n".join(lines), f"line {i + 1} deleted"
    if kind == "duplicate":
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return b"\n".join(lines), f"line {i + 1} duplicated"
    if kind == "byte":
        at = rng.randrange(len(text) + 1)
        b = rng.choice(BYTES)
        if rng.random() < 0.5 and at < len(text):
            return text[:at] + b + text[at + 1:], f"byte {at} replaced by {b!r}"
        return text[:at] + b + text[at:], f"{b!r} inserted at {at}"
    if kind == "truncate":
        at = rng.randrange(len(text) + 1)
        return text[:at], f"truncated at {at}"
    if kind == "key" and assignments:
        i = rng.choice(assignments)
        key, rest = lines[i].split(b"=", 1)
        k = bytearray(key.strip())
        if k:
            k[rng.randrange(len(k))] = ord(rng.choice("abcxyz_"))
        lines[i] = bytes(k) + b" =" + rest
        return b"\n".join(lines), f"line {i + 1}: key renamed to {bytes(k)!r}"
    if assignments and len(assignments) > 1:
        a, b = rng.sample(assignments, 2)
        va, vb = lines[a].split(b"=", 1)[1], lines[b].split(b"=", 1)[1]
        lines[a] = lines[a].split(b"=", 1)[0] + b"=" + vb
        lines[b] = lines[b].split(b"=", 1)[0] + b"=" + va
        return b"\n".join(lines), f"values of lines {a + 1} and {b + 1} swapped"
    return text + b"\n[extra]\nkey = 1\n", "unknown table added"


def run(cmd, timeout, cwd):
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout)
        return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, "timed out"


def unplaced(out, job):
    """The refusal's lines that do not say where: every error must name the job file, and with a
    line, unless it is about what the file lacks ("the job has no [model] table")."""
    lines = [l.removeprefix("error: ") for l in out.splitlines() if l.strip() and not l.startswith(("warning", "info", "  "))]
    if not lines or job not in lines[0]:
        return [f"refused without naming the file: {lines[0][:200] if lines else '(no message)'}"]
    return [f"no line: {l[:200]}" for l in lines if job in l and not re.search(re.escape(job) + r":\d+", l) and " has no " not in l]


def trial(args, n, source, text, how):
    with tempfile.TemporaryDirectory(prefix="hearth-fuzz-") as d:
        # Data paths in the jobs are relative to their folder ("../data/x.csv"): the copy sits
        # in the same shape.
        os.mkdir(os.path.join(d, "jobs"))
        os.symlink(os.path.abspath(os.path.join(JOBS, "..", "data")), os.path.join(d, "data"))
        job = os.path.join(d, "jobs", "job.toml")
        with open(job, "wb") as f:
            f.write(text)
        env_cmd = ["env", f"HEARTH_CACHE_DIR={args.cache}", "NO_COLOR=1"]
        code, out = run(env_cmd + [args.hearth, "check", job], args.timeout, d)
        problems = []
        if code is None or code not in (0, 1, 2):
            problems.append(f"check ended with {code if code is not None else 'a hang'}")
        elif code in (1, 2):
            problems += [f"exit {code}: {p}" for p in unplaced(out, job)]
        ran = None
        if code == 0 and source in FAST:
            ran, rout = run(env_cmd + [args.hearth, "run", job, "--runs-dir", os.path.join(d, "runs"),
                                       "--set", "train.epochs=1"], args.timeout * 6, d)
            if ran is None or ran not in (0, 1, 2):
                problems.append(f"run ended with {ran if ran is not None else 'a hang'}")
                out += "\n--- run:\n" + rout
        return n, source, how, code, ran, problems, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--count", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=20)
    args = ap.parse_args()
    args.hearth = os.path.abspath(args.hearth)
    args.cache = tempfile.mkdtemp(prefix="hearth-fuzz-cache-")
    rng = random.Random(args.seed)
    sources = sorted(f for f in os.listdir(JOBS) if f.endswith(".toml"))
    texts = {s: open(os.path.join(JOBS, s), "rb").read() for s in sources}
    cases = []
    for n in range(args.count):
        s = rng.choice(sources)
        text, how = mutate(texts[s], rng)
        cases.append((n, s, text, how))
    counts = {"accepted": 0, "refused": 0, "failed": 0, "other": 0, "ran": 0}
    bad = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for n, source, how, code, ran, problems, out in pool.map(lambda c: trial(args, *c), cases):
            counts[{0: "accepted", 1: "failed", 2: "refused"}.get(code, "other")] += 1
            counts["ran"] += ran is not None
            if problems:
                bad.append((n, source, how, problems, out))
    print(f"{args.count} mutated jobs (seed {args.seed}): {counts['accepted']} accepted by check "
          f"({counts['ran']} of them run for an epoch), {counts['refused']} refused (exit 2), {counts['failed']} failed (exit 1), "
          f"{counts['other']} other exits; "
          f"{len(bad)} with a problem")
    for n, source, how, problems, out in bad:
        print(f"\n#{n} {source} ({how}): {'; '.join(problems)}\n{out[-1500:]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
