-- Reserve quantity units of one product for one user, atomically, in one round trip.
-- KEYS: 1 sale (hash: start, end, limit, total, issued, and the bot controls addressLimit, gated)
--       2 stock  3 buyers (set)  4 pending (hash user -> "reservedAtMs:qty:unit,unit:n[:address]")
--       5 free units (zset)
--       only for a sale with bot controls: 6 units per client address (hash)
--       7 the purchase token offered (string holding the user it was issued to), if any
-- ARGV: 1 user  2 quantity  3 now in epoch ms, or '' to use the Redis clock
--       4 client address (only with KEYS[6]; counted against addressLimit when the sale has one)
--       5 '1' on the home shard of a split sale: when this shard has too few units, claim the
--         user's place instead (buyer, and a pending mark of no units) so that another shard can
--         lend the units (lend.lua)
-- Returns {outcome, ...}:
--   {'RESERVED', stockLeft, pending mark}  {'SOLD_OUT'}  {'INSUFFICIENT_STOCK', stockLeft}
--   {'ALREADY_PURCHASED'}  {'NOT_STARTED'}  {'ENDED'}  {'LIMIT_EXCEEDED', limit}  {'MISSING'}
--   {'PURCHASE_TOKEN_REQUIRED'}  {'PURCHASE_TOKEN_INVALID'}  {'ADDRESS_LIMIT_REACHED', addressLimit}
--   {'CLAIMED', stockHere, pending mark}  (only with ARGV[5])
local sale = redis.call('HMGET', KEYS[1], 'start', 'end', 'limit', 'addressLimit', 'gated')
if not sale[1] then
    return {'MISSING'}
end
local now
if ARGV[3] ~= '' then
    now = tonumber(ARGV[3])
else
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
if now < tonumber(sale[1]) then
    return {'NOT_STARTED'}
end
if now >= tonumber(sale[2]) then
    return {'ENDED'}
end
local qty = tonumber(ARGV[2])
local limit = tonumber(sale[3])
if qty > limit then
    return {'LIMIT_EXCEEDED', limit}
end
if sale[5] == '1' then
    -- one token, one attempt: it is spent here whatever the attempt comes to
    if not KEYS[7] then
        return {'PURCHASE_TOKEN_REQUIRED'}
    end
    if redis.call('GET', KEYS[7]) ~= ARGV[1] then
        return {'PURCHASE_TOKEN_INVALID'}
    end
    redis.call('DEL', KEYS[7])
end
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then
    return {'ALREADY_PURCHASED'}
end
local stock = tonumber(redis.call('GET', KEYS[2]) or '0')
if stock < qty and ARGV[5] == '1' then
    redis.call('SADD', KEYS[3], ARGV[1])
    local claim = now .. ':0::' .. redis.call('HINCRBY', KEYS[1], 'seq', 1)
    redis.call('HSET', KEYS[4], ARGV[1], claim)
    return {'CLAIMED', stock, claim}
end
if stock <= 0 then
    return {'SOLD_OUT'}
end
if stock < qty then
    return {'INSUFFICIENT_STOCK', stock}
end
local address = nil
if sale[4] and KEYS[6] and ARGV[4] and ARGV[4] ~= '' then
    local addressLimit = tonumber(sale[4])
    if tonumber(redis.call('HGET', KEYS[6], ARGV[4]) or '0') + qty > addressLimit then
        return {'ADDRESS_LIMIT_REACHED', addressLimit}
    end
    redis.call('HINCRBY', KEYS[6], ARGV[4], qty)
    address = ARGV[4]
end

redis.call('DECRBY', KEYS[2], qty)
redis.call('SADD', KEYS[3], ARGV[1])
-- Unit numbers: released ones first (lowest first, keeping the numbers compact), then new ones.
local units = {}
local reused = redis.call('ZPOPMIN', KEYS[5], qty)
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
-- n, a per-sale sequence number, makes every mark unique: a user who reserves again in the same
-- millisecond and gets the same unit back must not be released by a stale copy of the old mark
local n = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local pending = now .. ':' .. qty .. ':' .. table.concat(units, ',') .. ':' .. n
if address then
    -- last, as an IPv6 address has colons of its own; release.lua gives its units back
    pending = pending .. ':' .. address
end
redis.call('HSET', KEYS[4], ARGV[1], pending)
return {'RESERVED', stock - qty, pending}
