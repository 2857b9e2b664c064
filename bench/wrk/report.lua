-- Shared by the benchmark scripts: prints one machine-readable line that bench/run.sh parses.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f mean_bytes=%.0f requests=%d socket_errors=%d non2xx=%d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.bytes / math.max(summary.requests, 1),
    summary.requests,
    e.connect + e.read + e.write + e.timeout,
    e.status))
end
