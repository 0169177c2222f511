-- Update a product's sale window and per-user limit, if its state is in Redis (otherwise the
-- next warm-up installs the new values from PostgreSQL).
-- KEYS: 1 sale   ARGV: 1 start ms  2 end ms  3 per-user limit
-- Returns 1 if updated, 0 if the state is missing.
if redis.call('EXISTS', KEYS[1]) == 0 then
    return 0
end
redis.call('HSET', KEYS[1], 'start', ARGV[1], 'end', ARGV[2], 'limit', ARGV[3])
return 1
