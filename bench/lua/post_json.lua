-- POST the URL given to wrk with the JSON body BENCH_BODY, as BENCH_TOKEN. In BENCH_BODY, the
-- text {n} is replaced by a counter (1, 2, …, per thread, offset by the thread) and {u} by
-- BENCH_PREFIX .. (the counter modulo BENCH_USERS, plus one, zero-padded to BENCH_PAD digits
-- when set): a new object or a rotating person per request.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

common.bearer()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

local body = os.getenv("BENCH_BODY") or error("post_json.lua needs BENCH_BODY")
local users = tonumber(os.getenv("BENCH_USERS") or "1")
local prefix = os.getenv("BENCH_PREFIX") or ""
local pad = tonumber(os.getenv("BENCH_PAD") or "0")
local function person(k)
  if pad > 0 then return prefix .. string.format("%0" .. pad .. "d", k) end
  return prefix .. tostring(k)
end
local counter = 0
local thread_counter = 0

function setup(thread)
  thread:set("offset", thread_counter * 1000000000)
  thread_counter = thread_counter + 1
end

function request()
  counter = counter + 1
  local n = (offset or 0) + counter
  local b = body:gsub("{n}", tostring(n)):gsub("{u}", person(n % users + 1))
  return wrk.format(nil, nil, nil, b)
end

done = common.done
