-- Repairs what a Redis that lost writes can get wrong, safely while the sale goes on. The caller
-- compared Redis with a PostgreSQL snapshot; everything here holds whatever happened since:
-- a user with a committed order is a buyer, a committed unit is never free, unit numbers up to
-- the highest committed one have been handed out, and stock = total - issued + free units.
-- KEYS: 1 sale  2 stock  3 buyers  4 pending  5 free units
-- ARGV: 1 highest committed unit  2 n = number of missing buyers  3..(2+n) missing buyers
--       then m = number of committed units  followed by the committed units that are free or
--       above the issued mark (the only ones this script needs)
-- Returns {buyersRestored, unitsReclaimed, unitsFreed, stockBefore, stockAfter} or {-1} if the
-- state is missing.
if redis.call('EXISTS', KEYS[1]) == 0 then
    return {-1}
end
local highest = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local restored = 0
for i = 3, 2 + n do
    restored = restored + redis.call('SADD', KEYS[3], ARGV[i])
end
local m = tonumber(ARGV[3 + n])
local committed = {}
local reclaimed = 0
for i = 4 + n, 3 + n + m do
    committed[ARGV[i]] = true
    reclaimed = reclaimed + redis.call('ZREM', KEYS[5], ARGV[i])
end
local freed = 0
local issued = tonumber(redis.call('HGET', KEYS[1], 'issued') or '0')
if highest > issued then
    -- numbers between the issued mark and the highest committed unit: free unless committed or pending
    local reserved = {}
    for _, entry in ipairs(redis.call('HVALS', KEYS[4])) do
        for unit in string.gmatch(string.match(entry, '^%d+:%d+:([%d,]*)') or '', '%d+') do
            reserved[unit] = true
        end
    end
    for unit = issued + 1, highest do
        local u = tostring(unit)
        if not committed[u] and not reserved[u] then
            freed = freed + redis.call('ZADD', KEYS[5], unit, u)
        end
    end
    redis.call('HSET', KEYS[1], 'issued', highest)
    issued = highest
end
local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
local before = tonumber(redis.call('GET', KEYS[2]) or '0')
local after = total - issued + redis.call('ZCARD', KEYS[5])
if after ~= before then
    redis.call('SET', KEYS[2], after)
end
return {restored, reclaimed, freed, before, after}
