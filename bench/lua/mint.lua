-- POST /api/v1/auth/wechat/login {"code": "dev:bvI"} for I in [BENCH_FROM, BENCH_FROM + BENCH_COUNT):
-- the development WeChat's login of the voters bench/load_voters*.sql loaded. Thread t of T logs
-- in I = BENCH_FROM + t, + T, ... and writes each access token, one a line, to BENCH_OUT.t; when
-- its share is answered the thread stops; while the last answers are awaited its connections
-- ask /readyz, which mints nothing.
-- Environment (set by bench/ballots): BENCH_FROM, BENCH_COUNT, BENCH_OUT.
local from = tonumber(os.getenv("BENCH_FROM") or "1")
local count = tonumber(os.getenv("BENCH_COUNT") or "0")
local out = os.getenv("BENCH_OUT") or error("mint.lua needs BENCH_OUT")

-- wrk runs a thread's init() as soon as that thread is set up, before the next one exists, so
-- the thread count comes from BENCH_THREADS (wrk's -t), not from counting setup() calls.
nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
local threads, thread_counter = {}, 0
function setup(thread)
  thread:set("tid", thread_counter)
  thread_counter = thread_counter + 1
  threads[#threads + 1] = thread
end

local file, next_i, share
function init(_args)
  file = io.open(out .. "." .. tid, "w")
  next_i = from + tid
  share = math.floor((count - tid + nthreads - 1) / nthreads)
  got, failed = 0, 0
end

function request()
  if next_i >= from + count then
    return wrk.format("GET", "/readyz")
  end
  local body = '{"code":"dev:bv' .. next_i .. '"}'
  next_i = next_i + nthreads
  return wrk.format("POST", "/api/v1/auth/wechat/login", { ["Content-Type"] = "application/json" }, body)
end

function response(status, _headers, body)
  local token = body and body:match('"access_token"%s*:%s*"([^"]+)"')
  if not file then return end
  if token then
    file:write(token, "\n")
    file:flush()
    got = got + 1
  elseif status ~= 200 then
    failed = failed + 1
  end
  if got + failed >= share then
    file:close()
    file = nil
    wrk.thread:stop()
  end
end
