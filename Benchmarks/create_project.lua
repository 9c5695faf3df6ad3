-- wrk script: POST a new project per request, each with its own external_id.
-- The agency token comes from the environment (TOKEN).
local counter = 0
local thread_id = 0
local started = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = id
  -- Runs one after another (a warm-up, then the measurement) must not repeat ids.
  started = os.time()
  math.randomseed(started * 100 + id)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"external_id":"BENCH-%d-%d-%d-%d","title":"Benchmark project %d","whole_life_cost":250000,"planned_end_date":"2028-12-31"}',
    started, thread_id, counter, math.random(1, 1000000000), counter)
  return wrk.format("POST", "/api/v1/projects", {
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
    ["Content-Type"] = "application/json",
  }, body)
end
