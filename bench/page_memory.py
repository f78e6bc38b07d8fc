"""Peak memory of parsing one page, per MiB of input: `python -m bench.page_memory`.

Each case runs in a fresh process: imports and a small warm-up parse first, then the page's bytes are
built, `parse_page` runs, and the peak resident set above the level
just before the call is reported (the kernel's high-water mark, reset before the call: no sampling to
miss a peak), with the level after the call and after `release_memory()`
(malloc_trim). Shapes: plain text, text-heavy HTML, a comment thread in HTML, and element-dense HTML
(`a<br>`, the costliest per byte), at sizes up to the 20 MiB page limit (element-dense: up to the
300,000-element limit, and beyond it to show the refusal).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CASES = [
    ("text", 1),
    ("text", 20),
    ("html-paragraphs", 1),
    ("html-paragraphs", 20),
    ("html-thread", 1),
    ("html-thread", 8),
    ("html-thread", 17),
    ("html-br", 0.5),
    ("html-br", 1.4),
    ("html-br", 19),
]


def build(shape: str, mib: float) -> bytes:
    target = int(mib * 1024 * 1024)
    if shape == "text":
        unit = "Some words of a paragraph that a scraper wrote out as text. " * 6 + "\n"
    elif shape == "html-paragraphs":
        unit = "<p>" + "Some words of a paragraph in an article page. " * 8 + "</p>\n"
    elif shape == "html-thread":
        unit = (
            '<div class="comment"><span class="author">reader</span> <time datetime="2024-05-01">May 1'
            "</time><p>" + "A reader's comment on the article. " * 5 + "</p></div>\n"
        )
    else:
        unit = "a<br>"
    body = unit * max(1, target // len(unit))
    if shape == "text":
        return ("A title\n\n" + body).encode()
    return ("<html><head><title>t</title></head><body>" + body + "</body></html>").encode()


def high_water_mark() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(shape: str, mib: float) -> None:
    from service.memory import release_memory
    from service.parse import parse_page

    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * 4096

    parse_page(build("html-thread", 0.05), source="warm-up")
    page = build(shape, mib)
    release_memory()
    before = rss()
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # resets the kernel's high-water mark (VmHWM) to the current resident set
    started = time.perf_counter()
    try:
        parse_page(page, source="bench")
        outcome = "parsed"
    except Exception as exc:
        outcome = f"{type(exc).__name__}: {str(exc)[:60]}"
    seconds = time.perf_counter() - started
    peak = high_water_mark()
    after = rss()
    release_memory()
    trimmed = rss()
    print(
        json.dumps(
            {
                "mib": len(page) / 2**20,
                "seconds": seconds,
                "peak": (peak - before) / 2**20,
                "after": (after - before) / 2**20,
                "trimmed": (trimmed - before) / 2**20,
                "outcome": outcome,
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="python -m bench.page_memory", description=__doc__, formatter_class=raw
    )
    parser.parse_args(argv)
    head = ("shape", "MiB", "s", "peak MB", "MB/MiB", "after", "trimmed")
    print("{:16s} {:>6s} {:>6s} {:>8s} {:>7s} {:>6s} {:>8s}  outcome".format(*head))
    for shape, mib in CASES:
        out = subprocess.run(
            [sys.executable, "-m", "bench.page_memory", "--child", shape, str(mib)],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{shape:16s} {r['mib']:6.2f} {r['seconds']:6.2f} {r['peak']:8.0f} {r['peak'] / r['mib']:7.0f} "
            f"{r['after']:6.0f} {r['trimmed']:8.0f}  {r['outcome']}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], float(sys.argv[3]))
    else:
        raise SystemExit(main())
