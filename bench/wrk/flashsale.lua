-- wrk script for the flash-sale API, counting answers by status and problem code.
--   PRODUCT_ID=<uuid> [SCENARIO=purchase|status] [MODE=new|pool] [USERS=500] [RUN=<tag>] \
--       wrk -s flashsale.lua <base-url>
-- purchase: POST /api/v1/sale/purchase; MODE=new (default) gives every request a new user,
--           MODE=pool reuses USERS users at random (the duplicate storm). Identity travels in
--           X-User-Id (trusted-header mode).
-- status:   GET /api/v1/sale/status/<PRODUCT_ID>.
-- noop:     POST /api/v1/bench/noop with a purchase's headers and body (the ceiling; bench profile).
-- gated:    a gated sale (no challenge): each new user asks for a purchase token
--           (POST /api/v1/sale/purchase-token), then buys with it; two requests per buyer.
-- HISTOGRAM=<file> also writes the run's latency histogram there ("microseconds count" lines),
-- so that runs can be merged (bench/cold-open.sh).
local threads = {}

function setup(thread)
    thread:set("thread_id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    product = os.getenv("PRODUCT_ID") or error("set PRODUCT_ID")
    scenario = os.getenv("SCENARIO") or "purchase"
    mode = os.getenv("MODE") or "new"
    users = tonumber(os.getenv("USERS") or "500")
    prefix = (os.getenv("RUN") or tostring(os.time())) .. "-t" .. thread_id .. "-"
    counter = 0
    statuses = {}
    codes = {}
    math.randomseed(os.time() + thread_id)
    body = '{"productId":"' .. product .. '"}'
    status_path = "/api/v1/sale/status/" .. product
    earned = {} -- gated: {user, token} waiting to buy
end

function request()
    if scenario == "status" then
        return wrk.format("GET", status_path)
    end
    counter = counter + 1
    if scenario == "gated" then
        local ready = table.remove(earned, 1)
        if ready then
            return wrk.format("POST", "/api/v1/sale/purchase",
                {["Content-Type"] = "application/json", ["X-User-Id"] = ready[1]},
                '{"productId":"' .. product .. '","purchaseToken":"' .. ready[2] .. '"}')
        end
        return wrk.format("POST", "/api/v1/sale/purchase-token",
            {["Content-Type"] = "application/json", ["X-User-Id"] = prefix .. counter}, body)
    end
    if scenario == "noop" then
        return wrk.format("POST", "/api/v1/bench/noop",
            {["Content-Type"] = "application/json", ["X-User-Id"] = prefix .. counter}, body)
    end
    local user
    if mode == "pool" then
        user = "pool-" .. math.random(users)
    else
        user = prefix .. counter
    end
    return wrk.format("POST", "/api/v1/sale/purchase",
        {["Content-Type"] = "application/json", ["X-User-Id"] = user}, body)
end

function response(status, headers, resp)
    statuses[status] = (statuses[status] or 0) + 1
    if scenario == "gated" then
        local token = string.match(resp, '"purchaseToken":"([^"]+)"')
        if token then
            table.insert(earned, {string.match(resp, '"userId":"([^"]+)"'), token})
        end
    end
    if status >= 400 then
        local code = string.match(resp, '"code":"([A-Z_]+)"')
        if code then
            codes[code] = (codes[code] or 0) + 1
        end
    end
end

function done(summary, latency, requests)
    local all_status, all_codes = {}, {}
    for _, t in ipairs(threads) do
        for k, v in pairs(t:get("statuses")) do all_status[k] = (all_status[k] or 0) + v end
        for k, v in pairs(t:get("codes")) do all_codes[k] = (all_codes[k] or 0) + v end
    end
    io.write("-- statuses:")
    for k, v in pairs(all_status) do io.write(" ", k, "=", v) end
    io.write("\n-- codes:")
    for k, v in pairs(all_codes) do io.write(" ", k, "=", v) end
    io.write(string.format("\n-- p50=%.2fms p99=%.2fms max=%.2fms req/s=%.0f errors(socket)=%d\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        summary.requests / (summary.duration / 1e6),
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
    local file = os.getenv("HISTOGRAM")
    if file then
        local out = assert(io.open(file, "w"))
        for i = 1, #latency do
            local micros, count = latency(i) -- the i-th latency recorded, and how often
            out:write(string.format("%d %d\n", micros, count))
        end
        out:close()
    end
end

