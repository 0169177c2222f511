-- Install a product's sale state rebuilt from PostgreSQL, unless another instance already did.
-- The buyers and free units were written beforehand into the temporary keys (same hash tag).
-- KEYS: 1 sale  2 stock  3 buyers  4 pending  5 free units  6 temporary buyers  7 temporary free units
-- ARGV: 1 start ms  2 end ms  3 per-user limit  4 total  5 highest unit issued  6 stock
-- Returns 1 if installed, 0 if the state was already there.
if redis.call('EXISTS', KEYS[1]) == 1 then
    redis.call('DEL', KEYS[6], KEYS[7])
    return 0
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
if redis.call('EXISTS', KEYS[6]) == 1 then
    redis.call('RENAME', KEYS[6], KEYS[3])
end
if redis.call('EXISTS', KEYS[7]) == 1 then
    redis.call('RENAME', KEYS[7], KEYS[5])
end
redis.call('SET', KEYS[2], ARGV[6])
redis.call('HSET', KEYS[1], 'start', ARGV[1], 'end', ARGV[2], 'limit', ARGV[3], 'total', ARGV[4], 'issued', ARGV[5])
return 1
