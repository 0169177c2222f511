-- Lend units of one shard of a split sale (decision 0030) to a reservation whose user's home shard
-- had too few: the user's place is claimed there (reserve.lua), the units are taken here. The loan
-- is a pending mark under the user's id, as a reservation's is, so it settles the same ways
-- (release.lua: the units come back, or stay sold) and the reconciler finds it when the instance
-- that took it dies: a user's pending mark on a shard that is not the user's home is a loan.
-- KEYS: 1 sale  2 stock  3 pending  4 free units
-- ARGV: 1 user  2 quantity  3 now in epoch ms, or '' to use the Redis clock
-- Returns {'LENT', stockLeft, pending mark}  {'SHORT', stock}  {'BUSY', stock} (a loan to the user
-- is pending here already: an attempt of the user's in flight, or one whose instance died)
-- {'MISSING'}
if redis.call('EXISTS', KEYS[1]) == 0 then
    return {'MISSING'}
end
local qty = tonumber(ARGV[2])
local stock = tonumber(redis.call('GET', KEYS[2]) or '0')
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then
    return {'BUSY', stock}
end
if stock < qty then
    return {'SHORT', stock}
end
local now
if ARGV[3] ~= '' then
    now = tonumber(ARGV[3])
else
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('DECRBY', KEYS[2], qty)
local units = {}
local reused = redis.call('ZPOPMIN', KEYS[4], qty)
for i = 1, #reused, 2 do
    units[#units + 1] = reused[i]
end
local fresh = qty - #units
if fresh > 0 then
    local last = redis.call('HINCRBY', KEYS[1], 'issued', fresh)
    for u = last - fresh + 1, last do
        units[#units + 1] = tostring(u)
    end
end
local pending = now .. ':' .. qty .. ':' .. table.concat(units, ',') .. ':' .. redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[3], ARGV[1], pending)
return {'LENT', stock - qty, pending}
