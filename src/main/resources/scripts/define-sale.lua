-- Update a product's sale window, per-user limit and bot controls, if its state is in Redis
-- (otherwise the next warm-up installs the new values from PostgreSQL).
-- KEYS: 1 sale   ARGV: 1 start ms  2 end ms  3 per-user limit  4 per-address limit, '' for none
--                      5 gated: '1' or '0'
-- Returns 1 if updated, 0 if the state is missing.
if redis.call('EXISTS', KEYS[1]) == 0 then
    return 0
end
redis.call('HSET', KEYS[1], 'start', ARGV[1], 'end', ARGV[2], 'limit', ARGV[3], 'gated', ARGV[5] or '0')
if ARGV[4] and ARGV[4] ~= '' then
    redis.call('HSET', KEYS[1], 'addressLimit', ARGV[4])
else
    redis.call('HDEL', KEYS[1], 'addressLimit')
end
return 1
