-- GET /api/v1/sale/status/<PRODUCT_ID>, counting answers by status.
--   PRODUCT_ID=<uuid> wrk -s status.lua <base-url>
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    path = "/api/v1/sale/status/" .. (os.getenv("PRODUCT_ID") or error("set PRODUCT_ID"))
    statuses = {}
end

function request()
    return wrk.format("GET", path)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local all = {}
    for _, t in ipairs(threads) do
        for k, v in pairs(t:get("statuses")) do all[k] = (all[k] or 0) + v end
    end
    io.write("-- statuses:")
    for k, v in pairs(all) do io.write(" ", k, "=", v) end
    io.write(string.format("\n-- p50=%.2fms p99=%.2fms max=%.2fms req/s=%.0f errors(socket)=%d\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        summary.requests / (summary.duration / 1e6),
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
