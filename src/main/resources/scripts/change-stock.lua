-- Change a product's total stock, adjusting the live stock by the difference, atomically.
-- Lowering is refused when it would take away units that are sold or reserved.
-- KEYS: 1 sale  2 stock  3 free units
-- ARGV: 1 new total
-- Returns {'CHANGED', oldTotal, newStock}  {'BELOW_SOLD', unitsTaken}  {'UNITS_IN_USE', highestUnitInUse}  {'MISSING'}
local cur = redis.call('HMGET', KEYS[1], 'total', 'issued')
if not cur[1] then
    return {'MISSING'}
end
local total = tonumber(cur[1])
local issued = tonumber(cur[2] or '0')
local newTotal = tonumber(ARGV[1])
local stock = tonumber(redis.call('GET', KEYS[2]) or '0')
local delta = newTotal - total
if delta < 0 then
    if stock + delta < 0 then
        return {'BELOW_SOLD', total - stock}
    end
    if issued > newTotal then
        -- every unit number above the new total must be free, and is then retired
        local freeAbove = redis.call('ZCOUNT', KEYS[3], '(' .. newTotal, '+inf')
        if freeAbove < issued - newTotal then
            local inUse = issued
            while redis.call('ZSCORE', KEYS[3], tostring(inUse)) do
                inUse = inUse - 1
            end
            return {'UNITS_IN_USE', inUse}
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[3], '(' .. newTotal, '+inf')
        redis.call('HSET', KEYS[1], 'issued', newTotal)
    end
end
local newStock = redis.call('INCRBY', KEYS[2], delta)
redis.call('HSET', KEYS[1], 'total', newTotal)
return {'CHANGED', total, newStock}
