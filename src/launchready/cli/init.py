"""`launchready init`: write a commented starter launchready.toml."""

from __future__ import annotations

from pathlib import Path

import typer

from launchready.cli import app
from launchready.cli.output import fail_usage, stderr

STARTER = """\
# launchready.toml - what to audit and how. Only site.url is required.
# Every other section is optional; a check whose input is not configured reports "skipped".
# ${NAME} in any string is read from the environment at run time: give secrets that way.

[site]
url = "https://portal.example.com"              # the canonical URL: scheme, host, optional port
# apex = "example.com"                          # apex and www.apex must redirect to url
# hosts = { app = "portal.example.com", api = "api.example.com" }   # intended public hosts by role
# origin = "203.0.113.10"                       # the origin server behind your CDN, if any
# login_url = "https://portal.example.com/login/"
# login_flow = "smoke/login.toml"               # a smoke flow that logs in

# [dns]
# expect = { "portal.example.com" = ["CNAME portal.fly.dev."] }

# [network]
# timeout = 5.0                                  # seconds per network operation
# nameservers = ["127.0.0.1:5353"]               # use these for every lookup and connection
# ca_bundle = "ca.pem"                           # extra trust anchors
# connect_to = [":443:127.0.0.1:8443"]           # curl --connect-to HOST1:PORT1:HOST2:PORT2

# [email]
# domain = "example.com"
# dkim_selectors = ["s1"]
# senders = ["_spf.mailprovider.example"]

# [repo]
# path = "."                                     # your app's git repository

# [smoke]
# flows = ["smoke/*.toml"]

# [deploy]
# version_url = "https://portal.example.com/version"
# version_field = "version"
# health_url = "https://portal.example.com/healthz"
# rollback = "./deploy.sh rollback"

# [perf]
# rate = 20                                      # requests per second per endpoint
# duration = 30                                  # seconds per endpoint
# [[perf.endpoint]]
# name = "ticket list"
# method = "GET"
# path = "/api/tickets"
# target_ms = 300

# [audit]
# fail_on = "high"                               # lowest severity that fails the gate
"""


@app.command("init")
def init_command(
    path: Path = typer.Argument(Path("launchready.toml"), help="Where to write the file."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented starter launchready.toml."""
    if path.exists() and not force:
        raise fail_usage(f"{path} already exists (use --force to overwrite)")
    path.write_text(STARTER, encoding="utf-8")
    stderr.print(f"wrote {path}: set site.url, then run `launchready audit`")
