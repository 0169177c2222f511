-- A reservation whose order committed awaiting payment becomes a hold: the pending mark goes, the
-- user is a buyer, and the hold records which units and whose place its order takes, so that the
-- payment or the expiry that settles the order can settle them exactly once (settle-hold.lua).
-- KEYS: 1 buyers  2 pending  3 holds (hash: order id -> "user:quantity:unit,unit[:address]")
-- ARGV: 1 user  2 expected pending entry, or '' for whatever is pending  3 order id  4 the hold
--       5 'LENT' on the shard of a split sale that lent the units (the user's place is on the
--         user's home shard, not here)
-- Returns 1.
if ARGV[5] ~= 'LENT' then
    redis.call('SADD', KEYS[1], ARGV[1])
end
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if entry and (ARGV[2] == '' or entry == ARGV[2]) then
    redis.call('HDEL', KEYS[2], ARGV[1])
end
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
return 1
