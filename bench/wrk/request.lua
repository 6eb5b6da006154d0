-- wrk script for the single-request scenarios of bench/run.ts (hot-reserve, uniform-reserve,
-- availability-reads, stock-reads). The scenario comes from the environment:
--   SCENARIO=reserve|read|stock|cart|check  PREFIX=<product id prefix>  COUNT=<products to pick from>
-- cart: seed 002's POST /api/inventory/reservations with LINES distinct products (default 5);
-- check: the same cart to POST /api/inventory/reservations/check (available-to-promise).
local scenario = os.getenv("SCENARIO") or "reserve"
local prefix = os.getenv("PREFIX") or "hot"
local count = tonumber(os.getenv("COUNT") or "1")
local lines = tonumber(os.getenv("LINES") or "5")
local sent = 0

math.randomseed(os.time())

request = function()
  sent = sent + 1
  local product = string.format("%s%07d", prefix, math.random(1, count))
  if scenario == "cart" or scenario == "check" then
    local picked, items = {}, {}
    while #items < lines do
      local n = math.random(1, count)
      if not picked[n] then
        picked[n] = true
        items[#items + 1] = string.format('{"product_id":"%s%07d","quantity":1}', prefix, n)
      end
    end
    if scenario == "check" then
      return wrk.format("POST", "/api/inventory/reservations/check",
        { ["Content-Type"] = "application/json" },
        string.format('{"items":[%s]}', table.concat(items, ",")))
    end
    local body = string.format('{"order_id":"wrk-%d-%d","items":[%s]}', sent,
      math.random(1, 1000000000), table.concat(items, ","))
    return wrk.format("POST", "/api/inventory/reservations",
      { ["Content-Type"] = "application/json" }, body)
  end
  if scenario == "read" then
    return wrk.format("GET", "/api/inventory/products/" .. product .. "/availability")
  end
  if scenario == "stock" then
    return wrk.format("GET", "/inventory/" .. product)
  end
  local body = string.format('{"productId":"%s","orderId":"wrk-%d-%d","quantity":1}',
    product, sent, math.random(1, 1000000000))
  return wrk.format("POST", "/inventory/reserve", { ["Content-Type"] = "application/json" }, body)
end
