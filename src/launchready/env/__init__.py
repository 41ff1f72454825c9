"""`launchready env check`: are the required environment variables there (names only)."""
