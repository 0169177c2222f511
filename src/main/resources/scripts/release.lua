-- Settle a pending reservation: its order committed (CONFIRM) or did not (the other modes).
-- Idempotent: only a reservation still pending (and, if given, exactly the expected one) is settled.
-- KEYS: 1 stock  2 buyers  3 pending  4 free units  5 units per client address (optional)
-- ARGV: 1 user  2 expected pending entry, or '' for whatever is pending
--       3 mode: 'RESTORE'        nothing was bought: the user may buy again, the units go back
--               'KEEP_BUYER'     the user already holds an order: units go back, the user stays a buyer
--               'DISCARD_UNITS'  the units belong to another order: the user may buy again, the
--                                units are not handed out again (stock stays down)
--               'CONFIRM'        the order committed: the pending mark goes, and the user is a
--                                buyer even if Redis lost the mark (flushed and rebuilt meanwhile)
-- Returns 1 if settled, 0 if there was nothing (or something else) pending.
local entry = redis.call('HGET', KEYS[3], ARGV[1])
local matches = entry and (ARGV[2] == '' or entry == ARGV[2])
if ARGV[3] == 'CONFIRM' then
    redis.call('SADD', KEYS[2], ARGV[1])
    if matches then
        redis.call('HDEL', KEYS[3], ARGV[1])
        return 1
    end
    return 0
end
if not matches then
    return 0
end
redis.call('HDEL', KEYS[3], ARGV[1])
local _, qty, units = string.match(entry, '^(%d+):(%d+):([%d,]*)')
if ARGV[3] ~= 'KEEP_BUYER' then
    redis.call('SREM', KEYS[2], ARGV[1])
end
-- whatever the mode, this reservation bought nothing: its address's units go back
local address = string.match(entry, '^%d+:%d+:[%d,]*:%d+:(.+)$')
if address and KEYS[5] then
    if redis.call('HINCRBY', KEYS[5], address, -tonumber(qty)) <= 0 then
        redis.call('HDEL', KEYS[5], address)
    end
end
if ARGV[3] ~= 'DISCARD_UNITS' then
    redis.call('INCRBY', KEYS[1], tonumber(qty))
    for unit in string.gmatch(units, '%d+') do
        redis.call('ZADD', KEYS[4], tonumber(unit), unit)
    end
end
return 1
