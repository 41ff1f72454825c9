"""`launchready audit --only email` end to end: config file, world DNS, JSON report, exit."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from launchready.cli import _load_commands, app
from launchready.world.dns import DnsServer

ZONE = {
    "portal.test": [("TXT", "v=spf1 ip4:192.0.2.1 +all"), ("MX", (10, "mx.portal.test"))],
    "_dmarc.portal.test": [("TXT", "v=DMARC1; p=none")],
}


def test_audit_only_email_reports_and_gates(tmp_path):
    _load_commands()
    with DnsServer({"test": ZONE}) as dns:
        cfg = tmp_path / "launchready.toml"
        cfg.write_text(
            "[site]\n"
            'url = "https://portal.test"\n'
            "[network]\n"
            f'nameservers = ["127.0.0.1:{dns.port}"]\n'
            "timeout = 2\n"
            "[email]\n"
            'domain = "portal.test"\n'
        )
        out = tmp_path / "report.json"
        result = CliRunner().invoke(
            app, ["audit", "-c", str(cfg), "--only", "email", "--format", "json", "-o", str(out)]
        )
    report = json.loads(out.read_text())
    by_id = {f["id"]: f for f in report["findings"]}
    assert by_id["email.spf.permissive"]["status"] == "fail"
    assert by_id["email.spf.permissive"]["severity"] == "critical"
    assert by_id["email.dmarc.policy-none"]["status"] == "warn"
    assert by_id["email.dkim.missing"]["status"] == "skipped"
    assert {f["area"] for f in report["findings"]} == {"email"}
    assert result.exit_code == 1, result.output  # a critical fail gates at the default `high`
