"""Command line entry point (filled in by the core issue)."""


def main() -> None:  # pragma: no cover - replaced below
    raise SystemExit("launchready: not built yet")
