"""Pure helpers for judging the HTTP surface: the Observatory's input model, CSP and cookie
parsing, HTML extraction, the HSTS preload snapshot. Nothing here opens a socket."""
