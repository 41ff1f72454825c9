"""Per-endpoint pictures for the HTML report: the percentile spectrum and latency over time.

Gil Tene's advice (notes/performance.md §1): plot the whole spectrum on a log 1/(1-p) axis, so the
tail is visible, plus a latency-versus-time scatter, which shows stalls that percentiles hide.
matplotlib with the Agg backend (no display); each picture is returned as a data URI
(`data:image/png;base64,...` or `data:image/svg+xml;base64,...`) that an `<img src>` can embed.
The finding field is `plots = {"spectrum": URI, "timeline": URI}`.
"""

from __future__ import annotations

import base64
import io
import math

from launchready.perf.types import LatencyMeasurement


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _uri(fig, fmt: str) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=80, bbox_inches="tight")
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


def spectrum_plot(m: LatencyMeasurement, target_ms: float, title: str, fmt: str = "png") -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    try:
        points = [(q, v) for q, v in m.spectrum if q < 100.0]
        xs = [1.0 / (1.0 - q / 100.0) for q, _ in points]
        ys = [v for _, v in points]
        ax.plot(xs, ys, drawstyle="steps-post", color="#1f77b4", label="latency")
        ax.axhline(target_ms, color="#d62728", linestyle="--", label=f"target {target_ms:g} ms")
        ax.set_xscale("log")
        ticks = [q for q in (50, 90, 99, 99.9, 99.99) if 1 / (1 - q / 100) <= max(xs or [2])]
        ax.set_xticks([1 / (1 - q / 100) for q in ticks])
        ax.set_xticklabels([f"p{q:g}" for q in ticks])
        ax.set_ylabel("ms from planned send")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
        return _uri(fig, fmt)
    finally:
        plt.close(fig)


def timeline_plot(m: LatencyMeasurement, target_ms: float, title: str, fmt: str = "png") -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    try:
        ok = [(t, v) for t, v, bad in m.timeline if not bad]
        bad = [(t, v) for t, v, b in m.timeline if b]
        if ok:
            ax.scatter(*zip(*ok, strict=True), s=2, color="#1f77b4", label="ok")
        if bad:
            ax.scatter(*zip(*bad, strict=True), s=6, color="#d62728", marker="x", label="error")
        ax.axhline(target_ms, color="#d62728", linestyle="--", linewidth=0.8)
        top = max([v for _, v, _ in m.timeline] or [target_ms])
        if top > 20 * max(min(v for _, v, _ in m.timeline) if m.timeline else 1, 0.1):
            ax.set_yscale("log")
        ax.set_xlabel("s since the window opened (planned send)")
        ax.set_ylabel("ms")
        ax.set_title(title, fontsize=10)
        ax.grid(True, alpha=0.3)
        if ok or bad:
            ax.legend(fontsize=8, loc="upper right")
        return _uri(fig, fmt)
    finally:
        plt.close(fig)


def plots_for(m: LatencyMeasurement, target_ms: float, title: str, fmt: str = "png") -> dict:
    """Both pictures, or {} when matplotlib is missing or there is nothing to draw."""
    if not m.timeline or not m.spectrum or any(math.isnan(v) for _, v in m.spectrum):
        return {}
    try:
        return {
            "spectrum": spectrum_plot(m, target_ms, f"{title}: percentile spectrum", fmt),
            "timeline": timeline_plot(m, target_ms, f"{title}: latency over time", fmt),
        }
    except ImportError:
        return {}
