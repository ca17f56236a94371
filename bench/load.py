"""Load generation: wrk with a Lua script (headers + a JSON summary), else a Python fallback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.procs import clean_env, find_binary

MARK = "BENCH_JSON "

_LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"bytes":%d,"errors":%d,"status_errors":%d,'
    .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\\n',
    "MARK", summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _lua_string(value: str) -> str:
    if "]==]" in value:
        raise ValueError("header value cannot be quoted for Lua")
    return f"[==[{value}]==]"


def wrk_script(headers: Mapping[str, str]) -> str:
    """A wrk Lua script that sends ``headers`` and prints one JSON summary line."""
    lines = ['wrk.method = "GET"']
    lines += [f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items()]
    return "\n".join(lines) + _LUA_DONE.replace('"MARK"', _lua_string(MARK))


def parse_wrk(output: str) -> LoadResult:
    """The summary line our Lua ``done`` prints; ValueError when wrk printed none."""
    for line in output.splitlines():
        if line.startswith(MARK):
            d = json.loads(line[len(MARK):])
            return LoadResult(
                requests=int(d["requests"]), seconds=d["duration_us"] / 1e6,
                errors=int(d["errors"]) + int(d["status_errors"]),
                p50_ms=d["p50_us"] / 1000, p99_ms=d["p99_us"] / 1000, tool="wrk")
    raise ValueError(f"no {MARK.strip()} line in wrk output:\n{output[-2000:]}")


class LoadGenerator:
    """Runs one bounded load test against a URL with fixed headers."""

    def __init__(self, tmp: Path, threads: int = 2) -> None:
        self.wrk = find_binary("wrk")
        self.tmp = tmp
        self.threads = threads
        self._n = 0

    @property
    def tool(self) -> str:
        return "wrk" if self.wrk else "python fallback (bench/pyload.py; cannot saturate)"

    def run(self, url: str, headers: Mapping[str, str], connections: int,
            seconds: float) -> LoadResult:
        if self.wrk is None:
            return self._python(url, headers, connections, seconds)
        self._n += 1
        script = self.tmp / f"wrk-{self._n}.lua"
        script.write_text(wrk_script(headers))
        args = [self.wrk, f"-t{min(self.threads, connections)}", f"-c{connections}",
                f"-d{max(1, round(seconds))}s", "--timeout", "5s", "-s", str(script), url]
        out = subprocess.run(args, capture_output=True, text=True, check=False,  # noqa: S603
                             timeout=seconds + 30, env=clean_env({}))
        if out.returncode != 0:
            raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr[-2000:]}")
        return parse_wrk(out.stdout)

    def _python(self, url: str, headers: Mapping[str, str], connections: int,
                seconds: float) -> LoadResult:
        args = [sys.executable, "-m", "bench.pyload", url, "--connections", str(connections),
                "--seconds", str(seconds), *[a for k, v in headers.items()
                                             for a in ("--header", f"{k}: {v}")]]
        out = subprocess.run(args, capture_output=True, text=True, check=False,  # noqa: S603
                             timeout=seconds + 30, cwd=Path(__file__).resolve().parent.parent)
        if out.returncode != 0:
            raise RuntimeError(f"python load generator failed: {out.stderr[-2000:]}")
        result = parse_wrk(out.stdout)
        return LoadResult(result.requests, result.seconds, result.errors, result.p50_ms,
                          result.p99_ms, tool="python")
