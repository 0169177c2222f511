-- Settle a hold once PostgreSQL has settled its order. Exactly once: the hold is taken off the
-- hash, so a second call for the same order finds nothing and changes nothing.
-- KEYS: 1 stock  2 buyers  3 holds  4 free units  5 units per client address (optional)
-- ARGV: 1 order id  2 mode: 'PAID'     the order completed: the units and the buyer stay taken
--                           'RELEASE'  the order expired or was cancelled: the units go back to
--                                      the sale and the user may buy again
-- Returns 1 if settled, 0 if there was no such hold.
local hold = redis.call('HGET', KEYS[3], ARGV[1])
if not hold then
    return 0
end
redis.call('HDEL', KEYS[3], ARGV[1])
if ARGV[2] == 'PAID' then
    return 1
end
local user, qty, units, address = string.match(hold, '^([^:]+):(%d+):([%d,]*):?(.*)$')
redis.call('SREM', KEYS[2], user)
if address ~= '' and KEYS[5] then
    if redis.call('HINCRBY', KEYS[5], address, -tonumber(qty)) <= 0 then
        redis.call('HDEL', KEYS[5], address)
    end
end
redis.call('INCRBY', KEYS[1], tonumber(qty))
for unit in string.gmatch(units, '%d+') do
    redis.call('ZADD', KEYS[4], tonumber(unit), unit)
end
return 1
