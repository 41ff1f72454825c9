"""Benchmark: a full domain + TLS audit of a 12-host loopback world by launchready, against
Debian's `testssl.sh --fast` on ONE of those hosts. Wall times (median of 3), their ratio, and
both tools' verdicts side by side for the scenarios both cover.

testssl.sh is GPL: it is only an external peer here, run as a subprocess, never imported or
shipped. Install it with `apt-get install testssl.sh` (binary `testssl`). Everything stays on
loopback: our DNS server, one TLS server per host, `--ip 127.0.0.1 --nodns none` for testssl.

Run: PYTHONPATH=src:tests python bench/tls_vs_testssl.py [--runs 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
os.environ.setdefault("LAUNCHREADY_LOOPBACK_ONLY", "1")

from support.loopback import reply, serve  # noqa: E402

from launchready.audit import audit_async  # noqa: E402
from launchready.config import parse_config  # noqa: E402
from launchready.world.ca import LocalCA, server_context  # noqa: E402
from launchready.world.dns import DnsServer  # noqa: E402

NOW = dt.datetime.now(dt.UTC)
ZONE = "launch.test"
TIMED_HOST = "h3"  # the host testssl is timed on: TLS 1.0/1.1 on, expiring in 20 days

# host -> (what it serves, LocalCA.issue kwargs, server_context kwargs)
HOSTS: dict[str, tuple[str, dict, dict]] = {
    "h1": ("good", {}, {}),
    "h2": ("good (EC P-256)", {"key": "ec256"}, {}),
    "h3": ("TLS 1.0+1.1 on, expires in 20 days", {"days": 20}, {"min_version": "TLSv1"}),
    "h4": ("expired", {"expired": True}, {}),
    "h5": ("self-signed", {"issuer": "self"}, {}),
    "h6": ("RSA 1024 key", {"key": "rsa1024"}, {}),
    "h7": ("incomplete chain", {}, {"include_chain": False}),
    "h8": ("untrusted root", {"issuer": "untrusted"}, {}),
    "h9": ("wrong host name", {"names": ["other.launch.test"]}, {}),
    "h10": ("expires in 3 days", {"days": 3}, {}),
    "h11": ("good (RSA 3072)", {"key": "rsa3072"}, {}),
    "h12": ("TLS 1.1+ on", {}, {"min_version": "TLSv1.1"}),
}
# Verdict comparison: the timed host plus these (one untimed testssl run each).
COMPARED = ["h3", "h4", "h5", "h6", "h7", "h9"]

# Concern -> (launchready ids, testssl ids)
CONCERNS = {
    "legacy protocol": (["tls.protocol.legacy"], ["TLS1", "TLS1_1"]),
    "expiry": (["tls.cert.expired", "tls.cert.expiring-soon"], ["cert_expirationStatus"]),
    "host name": (["tls.cert.hostname-mismatch"], ["cert_trust"]),
    "chain of trust": (
        ["tls.cert.self-signed", "tls.cert.untrusted-root", "tls.cert.incomplete-chain"],
        ["cert_chain_of_trust"],
    ),
    "key size": (["tls.cert.weak-key"], ["cert_keySize"]),
    "signature": (["tls.cert.weak-signature"], ["cert_signatureAlgorithm"]),
}


def _issue(ca: LocalCA, host: str, spec: dict):
    kwargs = {"key": spec.get("key", "rsa2048"), "issuer": spec.get("issuer", "intermediate")}
    if spec.get("expired"):
        kwargs |= {
            "not_before": NOW - dt.timedelta(days=200),
            "not_after": NOW - dt.timedelta(days=2),
        }
    elif "days" in spec:
        kwargs["not_after"] = NOW + dt.timedelta(days=spec["days"], hours=1)
    return ca.issue(spec.get("names", [f"{host}.{ZONE}"]), **kwargs)


@contextlib.contextmanager
def world(tmp: Path):
    ca = LocalCA()
    bundle = ca.write_bundle(tmp / "ca.pem")
    records = {f"{h}.{ZONE}": [("A", "127.0.0.1")] for h in HOSTS}
    records[f"ns1.{ZONE}"] = [("A", "127.0.0.1")]
    ports: dict[str, int] = {}
    with contextlib.ExitStack() as stack:
        dns = stack.enter_context(DnsServer({ZONE: records}))

        def redirect(req):
            host = req.headers["Host"].split(":")[0]
            reply(301, b"", {"Location": f"https://{host}/"})(req)

        http_port = stack.enter_context(serve(redirect))
        page = reply(200, b"<html>ok</html>", {"Content-Type": "text/html"})
        for host, (_, issue_spec, ctx_spec) in HOSTS.items():
            ctx = server_context(_issue(ca, host, issue_spec), **ctx_spec)
            ports[host] = stack.enter_context(serve(page, ctx))
        yield dns.port, http_port, ports, bundle


def config(dns_port: int, http_port: int, ports: dict[str, int], bundle: Path):
    hosts = ", ".join(f'{h} = "{h}.{ZONE}"' for h in HOSTS if h != "h1")
    connect = [f'"{h}.{ZONE}:443:127.0.0.1:{p}"' for h, p in ports.items()]
    connect += [f'":80:127.0.0.1:{http_port}"', f'":53:127.0.0.1:{dns_port}"']
    text = "\n".join(
        [
            "[site]",
            f'url = "https://h1.{ZONE}"',
            f"hosts = {{ {hosts} }}",
            "[network]",
            f'nameservers = ["127.0.0.1:{dns_port}"]',
            f'ca_bundle = "{bundle}"',
            f"connect_to = [{', '.join(connect)}]",
            "timeout = 3.0",
        ]
    )
    return parse_config(text + "\n")


def run_launchready(cfg):
    started = time.perf_counter()
    report = asyncio.run(audit_async(cfg, only=["dns", "http", "tls"]))
    return time.perf_counter() - started, report


def testssl_command(binary: str, host: str, port: int, bundle: Path, out: Path) -> list[str]:
    """testssl --fast on one host of the world, trusting its CA, JSON results to `out`."""
    return [
        binary,
        "--fast",
        "--quiet",
        "--color",
        "0",
        "--warnings",
        "off",
        "--nodns",
        "none",
        "--ip",
        "127.0.0.1",
        "--add-ca",
        str(bundle),
        "--jsonfile",
        str(out),
        f"https://{host}.{ZONE}:{port}",
    ]


def run_testssl(binary: str, host: str, port: int, bundle: Path, out: Path) -> float:
    out.unlink(missing_ok=True)
    cmd = testssl_command(binary, host, port, bundle, out)
    started = time.perf_counter()
    subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    return time.perf_counter() - started


def ours(report, host: str, ids: list[str]) -> str:
    subject = f"{host}.{ZONE}:443"
    found = [f for f in report.findings if f.subject == subject and f.id in ids]
    bad = sorted({f"{f.id.split('.')[-1]}={f.status}" for f in found if f.is_problem})
    if bad:
        return "flagged (" + ", ".join(bad) + ")"
    if any(str(f.status) == "pass" for f in found):
        return "ok"
    return "n/a (" + ", ".join(sorted({str(f.status) for f in found}) or ["no finding"]) + ")"


def theirs(entries: list[dict], ids: list[str]) -> str:
    hits = [e for e in entries if e.get("id") in ids]
    if not hits:
        return "n/a"
    bad = [
        f"{e['id']}={e['severity']}"
        for e in hits
        if e["severity"] not in ("OK", "INFO")
        or (e["id"].startswith("TLS1") and "offered" in e["finding"] and "not" not in e["finding"])
    ]
    return ("flagged (" + ", ".join(bad) + ")") if bad else "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--skip-verdicts", action="store_true")
    args = parser.parse_args()
    binary = shutil.which("testssl") or shutil.which("testssl.sh")
    tmp = Path(tempfile.mkdtemp(prefix="bench-tls-"))
    results: dict = {"hosts": len(HOSTS), "runs": args.runs, "testssl": binary}
    with world(tmp) as (dns_port, http_port, ports, bundle):
        cfg = config(dns_port, http_port, ports, bundle)
        run_launchready(cfg)  # warm-up: imports, key caches
        ours_times, report = [], None
        for _ in range(args.runs):
            seconds, report = run_launchready(cfg)
            ours_times.append(seconds)
        results["launchready_s"] = ours_times
        results["launchready_median_s"] = statistics.median(ours_times)
        results["launchready_findings"] = len(report.findings)
        results["launchready_observations"] = report.extra.get("observations")
        if binary is None:
            results["testssl_error"] = "testssl.sh not installed: apt-get install testssl.sh"
        else:
            their_times = []
            timed_json = tmp / f"{TIMED_HOST}.json"
            for _ in range(args.runs):
                their_times.append(
                    run_testssl(binary, TIMED_HOST, ports[TIMED_HOST], bundle, timed_json)
                )
            results["testssl_s"] = their_times
            results["testssl_median_s"] = statistics.median(their_times)
            results["ratio_testssl_one_host_over_launchready_12_hosts"] = (
                results["testssl_median_s"] / results["launchready_median_s"]
            )
            verdict_hosts = [] if args.skip_verdicts else COMPARED
            outputs = {TIMED_HOST: timed_json}
            others = [h for h in verdict_hosts if h != TIMED_HOST]
            with contextlib.ExitStack():
                procs = []
                for host in others:
                    out = tmp / f"{host}.json"
                    outputs[host] = out
                    procs.append((host, run_testssl_async(binary, host, ports[host], bundle, out)))
                for _host, proc in procs:
                    proc.wait(timeout=900)
            table = []
            for host in [TIMED_HOST, *others]:
                try:
                    entries = json.loads(outputs[host].read_text())
                except (OSError, json.JSONDecodeError):
                    entries = []
                for concern, (our_ids, their_ids) in CONCERNS.items():
                    table.append(
                        {
                            "host": host,
                            "scenario": HOSTS[host][0],
                            "concern": concern,
                            "launchready": ours(report, host, our_ids),
                            "testssl": theirs(entries, their_ids),
                        }
                    )
            results["verdicts"] = table
    print(json.dumps({k: v for k, v in results.items() if k != "verdicts"}, indent=2))
    for row in results.get("verdicts", []):
        agree = row["launchready"].split(" ")[0] == row["testssl"].split(" ")[0]
        print(
            f"{row['host']:4} {row['scenario'][:34]:34} {row['concern']:16} "
            f"{'=' if agree else '≠'} ours: {row['launchready']:48} testssl: {row['testssl']}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def run_testssl_async(binary: str, host: str, port: int, bundle: Path, out: Path):
    cmd = testssl_command(binary, host, port, bundle, out)
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    raise SystemExit(main())
