-- Shared by every bench/lua script (loaded with dofile from the script's own folder).
-- Environment (set by bench/run):
--   BENCH_TOKEN   a bearer token, or empty for an anonymous route
-- done() prints one line "BENCH_JSON {...}" that bench/run parses: requests, seconds,
-- req/s, latency percentiles in ms, bytes per response, and every kind of error.

local M = {}

function M.bearer()
  local token = os.getenv("BENCH_TOKEN") or ""
  if token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function M.done(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  local function ms(p) return latency:percentile(p) / 1000 end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p90_ms": %.3f, '
      .. '"p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f, "bytes_per_response": %.0f, '
      .. '"errors_status": %d, "errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_timeout": %d}\n',
    summary.requests, s, summary.requests / s, ms(50), ms(90), ms(99), latency.max / 1000, latency.mean / 1000,
    summary.requests > 0 and summary.bytes / summary.requests or 0,
    e.status, e.connect, e.read, e.write, e.timeout))
end

return M
