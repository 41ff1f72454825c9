"""`launchready smoke --export hurl`: a flow as a Hurl file, for people who debug with Hurl.

`${NAME}` and `{{capture}}` both become Hurl variables (`{{NAME}}`; pass them with
`--variable NAME=...` or `HURL_NAME`), CSS captures become XPath (via cssselect, BSD), and the
CSRF helper becomes an explicit capture on the step before plus a form field and header. Hurl
has no `finally`, so cleanup steps come last with a comment saying so.
"""

from __future__ import annotations

import json

from cssselect import GenericTranslator

from launchready.smoke import template
from launchready.smoke.asserts import Expectation
from launchready.smoke.captures import Capture
from launchready.smoke.csrf import FRAMEWORKS
from launchready.smoke.flow import Flow, Step

CSRF_VAR = "csrf_token"


def _vars(text: str) -> str:
    """`${NAME}` -> `{{NAME}}`; `{{name}}` stays."""
    return template.ENV_REF.sub(lambda m: "{{" + m.group(1) + "}}", text)


def _q(text: str) -> str:
    return json.dumps(_vars(text), ensure_ascii=False)


def _url(step: Step) -> str:
    """Hurl does not resolve relative URLs: prefix base_url (captured Locations are paths)."""
    url = _vars(step.url)
    if "://" in url or url.startswith("{{base_url}}"):
        return url
    return "{{base_url}}" + (url if url.startswith(("/", "{{")) else "/" + url)


def _xpath(capture: Capture) -> str:
    path = GenericTranslator().css_to_xpath(capture.arg)
    if capture.attr:
        return f"string(({path})[1]/@{capture.attr})"
    return f"normalize-space(({path})[1])"


def _capture(capture: Capture) -> str:
    if capture.kind == "css":
        query = f"xpath {json.dumps(_xpath(capture))}"
    elif capture.kind == "regex":
        query = f"regex {json.dumps(capture.arg)}"
    elif capture.kind == "json":
        query = f"jsonpath {json.dumps('$.' + capture.arg.removeprefix('$').lstrip('.'))}"
    else:
        query = f"{capture.kind} {json.dumps(capture.arg)}"
    return f"{capture.name}: {query}"


def _value(exp: Expectation) -> str:
    if exp.kind in ("status", "duration") and exp.op not in ("matches", "contains"):
        return exp.value
    if exp.kind == "json" and exp.op not in ("matches", "contains"):
        try:
            json.loads(exp.value)
            return exp.value
        except ValueError:
            pass
    return _q(exp.value)


def _assert(exp: Expectation) -> str:
    if exp.kind == "header":
        query = f"header {json.dumps(exp.name)}"
    elif exp.kind == "json":
        query = f"jsonpath {json.dumps('$.' + exp.name.removeprefix('$').lstrip('.'))}"
    else:
        query = exp.kind
    return f"{query} {exp.op} {_value(exp)}"


def _entry(step: Step, next_csrf: str | None, flow: Flow) -> list[str]:
    lines = [f"# step {step.id}" + (f": {step.impact}" if step.impact else "")]
    lines.append(f"{step.method} {_url(step)}")
    headers = dict(step.headers)
    form = dict(step.form) if step.form is not None else None
    if step.csrf:
        style = FRAMEWORKS[step.csrf]
        headers.setdefault(style.header, "{{" + CSRF_VAR + "}}")
        headers.setdefault("Referer", "{{base_url}}/")
        if form is not None:
            form.setdefault(style.form_field, "{{" + CSRF_VAR + "}}")
    lines += [f"{k}: {_vars(v)}" for k, v in headers.items()]
    options = []
    if step.follow_redirects:
        options.append("location: true")
    if step.retries:
        options += [f"retry: {step.retries}", f"retry-interval: {int(step.retry_delay_ms)}"]
    if options:
        lines += ["[Options]", *options]
    if form is not None:
        lines += ["[FormParams]", *(f"{_vars(k)}: {_vars(v)}" for k, v in form.items())]
    elif step.json is not None:
        lines.append(_vars(json.dumps(step.json, indent=2)))
    elif step.body is not None:
        lines += ["```", _vars(step.body), "```"]
    status = next((e for e in step.expect if e.kind == "status" and e.op == "=="), None)
    lines.append(f"HTTP {status.value if status else '*'}")
    captures = [_capture(c) for c in step.capture]
    if next_csrf:
        selector, attr = FRAMEWORKS[next_csrf].selectors[0]
        fake = Capture(CSRF_VAR, "", "css", selector, attr)
        captures.append(_capture(fake))
    if captures:
        lines += ["[Captures]", *captures]
    asserts = [_assert(e) for e in step.expect if e is not status]
    if asserts:
        lines += ["[Asserts]", *asserts]
    return lines


def to_hurl(flow: Flow) -> str:
    steps = list(flow.all_steps)
    out = [
        f"# {flow.name}: exported by launchready from {flow.path.name}",
        "# Run: hurl --test --variable base_url=https://... --variable NAME=... (each {{NAME}}),",
        "# or export HURL_base_url=... HURL_NAME=...; secrets are best passed as --secret NAME=...",
        f"# base_url in the flow: {flow.base_url}",
        "",
    ]
    for index, step in enumerate(steps):
        nxt = steps[index + 1] if index + 1 < len(steps) else None
        if step.cleanup and (index == 0 or not steps[index - 1].cleanup):
            out += ["# --- finally: cleanup steps (launchready always runs them) ---", ""]
        out += _entry(step, nxt.csrf if nxt else None, flow)
        out.append("")
    return "\n".join(out)
