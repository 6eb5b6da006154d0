-- wrk script for the single-request scenarios of bench/run.ts (hot-reserve, uniform-reserve,
-- availability-reads). The scenario comes from the environment:
--   SCENARIO=reserve|read  PREFIX=<product id prefix>  COUNT=<products to pick from>
local scenario = os.getenv("SCENARIO") or "reserve"
local prefix = os.getenv("PREFIX") or "hot"
local count = tonumber(os.getenv("COUNT") or "1")
local sent = 0

math.randomseed(os.time())

request = function()
  sent = sent + 1
  local product = string.format("%s%07d", prefix, math.random(1, count))
  if scenario == "read" then
    return wrk.format("GET", "/api/inventory/products/" .. product .. "/availability")
  end
  local body = string.format('{"productId":"%s","orderId":"wrk-%d-%d","quantity":1}',
    product, sent, math.random(1, 1000000000))
  return wrk.format("POST", "/inventory/reserve", { ["Content-Type"] = "application/json" }, body)
end
