-- POST /api/v1/polls/{id}/ballots (the URL given to wrk): every request a different voter, with
-- its own Idempotency-Key and a random choice among BENCH_OPTIONS. Thread t of T takes lines
-- t+1, t+1+T, ... of BENCH_TOKENS_FILE (one access token a line), so no two threads ever share a
-- voter and no voter casts twice; a thread whose tokens run out stops (and says so).
-- done() prints the BENCH_JSON line of common.lua and a BENCH_CAST line with the answers that
-- were not 201 Created (must be 0) and the threads that ran out of voters.
-- Environment (set by bench/ballots): BENCH_TOKENS_FILE, BENCH_OPTIONS (default 3), BENCH_NONCE.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

-- wrk runs a thread's init() as soon as that thread is set up, before the next one exists, so
-- the thread count comes from BENCH_THREADS (wrk's -t), not from counting setup() calls.
nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
local threads, thread_counter = {}, 0
function setup(thread)
  thread:set("tid", thread_counter)
  thread_counter = thread_counter + 1
  threads[#threads + 1] = thread
end

local tokens, options, nonce
function init(_args)
  tokens, pos = {}, 0
  local i = 0
  for line in io.lines(os.getenv("BENCH_TOKENS_FILE") or error("cast.lua needs BENCH_TOKENS_FILE")) do
    if i % nthreads == tid and line ~= "" then tokens[#tokens + 1] = line end
    i = i + 1
  end
  options = tonumber(os.getenv("BENCH_OPTIONS") or "3")
  nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
  not201, ran_out = 0, 0
  math.randomseed(os.time() + tid)
end

function request()
  pos = pos + 1
  if pos > #tokens then
    ran_out = 1
    wrk.thread:stop()
    pos = #tokens -- a last request may still be asked for; it is a repeat and will be refused
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[pos],
    ["Idempotency-Key"] = "b" .. nonce .. "-" .. tid .. "-" .. pos,
  }
  return wrk.format("POST", nil, headers, '{"choices":[' .. math.random(0, options - 1) .. ']}')
end

function response(status, _headers, body)
  if status ~= 201 then
    not201 = not201 + 1
    if not201 <= 3 then io.write("BENCH_REFUSED ", status, " ", body or "", "\n") end
  end
end

function done(summary, latency, requests)
  common.done(summary, latency, requests)
  local bad, out, used = 0, 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("not201") or 0)
    out = out + (t:get("ran_out") or 0)
    used = used + (t:get("pos") or 0)
  end
  io.write(string.format('BENCH_CAST {"not_201": %d, "threads_out_of_voters": %d, "voters_used": %d}\n', bad, out, used))
end
