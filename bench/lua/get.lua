-- GET the URL given to wrk, with BENCH_TOKEN as the bearer token when set.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

common.bearer()
wrk.method = "GET"
wrk.headers["Accept"] = "application/json"

done = common.done
