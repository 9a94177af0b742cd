-- wrk script of bench/leaderboard.py: polls the one URL given to wrk (no per-request Lua, so
-- the load generator costs as little CPU as it can) and prints one JSON line at the end with
-- the figures the benchmark reads: requests, duration and bytes, latency percentiles and
-- maximum (microseconds), and the errors (non-2xx/3xx statuses and socket errors).
--
--   wrk -t1 -c8 -d30s -s bench/leaderboard.lua http://127.0.0.1:PORT/contests/SLUG/rounds/1/leaderboard.json

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LEADERBOARD_WRK {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"errors": {"status": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    e.status, e.connect, e.read, e.write, e.timeout))
end
