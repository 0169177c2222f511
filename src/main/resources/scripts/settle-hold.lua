-- Settle the holds of orders PostgreSQL has settled, all of one sale. Exactly once: a hold is taken
-- off the hash, so a second call for the same order finds nothing and changes nothing.
-- KEYS: 1 stock  2 buyers  3 holds  4 free units  5 units per client address (optional)
-- ARGV: 1 mode: 'PAID'     the orders completed: their units and buyers stay taken
--               'RELEASE'  the orders expired or were cancelled: their units go back to the sale
--                          and their users may buy again
--       2.. the orders' ids
-- Returns how many holds were settled (orders without a hold are skipped).
local settled = 0
for i = 2, #ARGV do
    local hold = redis.call('HGET', KEYS[3], ARGV[i])
    if hold then
        redis.call('HDEL', KEYS[3], ARGV[i])
        settled = settled + 1
        if ARGV[1] == 'RELEASE' then
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
        end
    end
end
return settled
