-- POST /api/v1/cases: every request a new report with its own client_id, by one of several
-- residents (round robin), at a random point inside one of the grids.
-- Environment (set by bench/run):
--   BENCH_TOKENS  residents' bearer tokens, comma-separated (each must have a bound phone)
--   BENCH_BOXES   grid bounding boxes "min_lat,max_lat,min_lng,max_lng;..." to draw points in
--   BENCH_NONCE   distinct per wrk invocation, so client_ids never repeat across runs
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local function split(s, sep)
  local out = {}
  for part in string.gmatch(s or "", "([^" .. sep .. "]+)") do out[#out + 1] = part end
  return out
end

local tokens = split(os.getenv("BENCH_TOKENS"), ",")
local boxes = {}
for _, b in ipairs(split(os.getenv("BENCH_BOXES"), ";")) do
  local v = split(b, ",")
  boxes[#boxes + 1] = { tonumber(v[1]), tonumber(v[2]), tonumber(v[3]), tonumber(v[4]) }
end
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
if #tokens == 0 or #boxes == 0 then
  error("post_case.lua needs BENCH_TOKENS and BENCH_BOXES")
end

local texts = {
  { "road", "村口的路灯坏了，晚上很黑，老人走路不安全" },
  { "road", "通组公路上有个大坑，下雨积水" },
  { "water", "自来水管破裂了，水一直往外冒" },
  { "sanitation", "垃圾池满了好几天没人清运" },
  { "power", "电线杆歪了，电线垂得很低，怕出事" },
  { "noise", "晚上广场舞音响很大声，影响休息" },
  { "safety", "消防通道被私家车堵住了" },
  { "hazard", "山坡上的石头松动了，下雨天可能滚下来" },
  { "public_opinion", "希望在村部代办医保缴费" },
  { "other", "村部的公告栏玻璃碎了，需要修理" },
}

local thread_counter = 0
function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("tid", thread_counter)
end

local n = 0
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
end

function request()
  n = n + 1
  local token = tokens[(n + (tid or 0)) % #tokens + 1]
  local b = boxes[math.random(#boxes)]
  local t = texts[math.random(#texts)]
  local lat = b[1] + math.random() * (b[2] - b[1])
  local lng = b[3] + math.random() * (b[4] - b[3])
  local body = string.format(
    '{"category":"%s","description":"%s","lat":%.6f,"lng":%.6f,"client_id":"wrk-%s-%d-%d"}',
    t[1], t[2], lat, lng, nonce, tid or 0, n)
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }, body)
end

done = common.done
