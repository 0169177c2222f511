-- Install a product's sale state rebuilt from PostgreSQL.
-- The buyers, free units, units per address and holds were written beforehand into the temporary
-- keys (same hash tag).
-- KEYS: 1 sale  2 stock  3 buyers  4 pending  5 free units  6 temporary buyers  7 temporary free units
--       8 units per client address  9 temporary units per client address  10 holds  11 temporary holds
-- ARGV: 1 start ms  2 end ms  3 per-user limit  4 total  5 highest unit issued  6 stock
--       7 guard: '' installs only if no state is there (warm-up); a number installs over the
--         existing state only if nothing is pending and the stock still has that value (the
--         reconciler's rebuild of a quiet product)
--       8 per-address limit, '' for none  9 gated: '1' or '0'
-- Returns 1 if installed, 0 if not.
local install
if ARGV[7] == '' then
    install = redis.call('EXISTS', KEYS[1]) == 0
else
    install = redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HLEN', KEYS[4]) == 0
        and redis.call('GET', KEYS[2]) == ARGV[7]
end
if not install then
    redis.call('DEL', KEYS[6], KEYS[7], KEYS[9], KEYS[11])
    return 0
end
if ARGV[7] == '' then
    -- warm-up: users confirmed since the state was lost (their orders committed after the
    -- snapshot was read) are buyers too
    if redis.call('EXISTS', KEYS[3]) == 1 and redis.call('EXISTS', KEYS[6]) == 1 then
        redis.call('SUNIONSTORE', KEYS[6], KEYS[6], KEYS[3])
    end
    if redis.call('EXISTS', KEYS[6]) == 1 then
        redis.call('DEL', KEYS[3])
    end
    -- and so are holds recorded since (their orders committed after the snapshot was read)
    local recent = redis.call('HGETALL', KEYS[10])
    for i = 1, #recent, 2 do
        redis.call('HSET', KEYS[11], recent[i], recent[i + 1])
    end
else
    redis.call('DEL', KEYS[3])
end
redis.call('DEL', KEYS[2], KEYS[4], KEYS[5], KEYS[8], KEYS[10])
-- the staging keys expire (in case a warm-up dies half-way); what they become must not
if redis.call('EXISTS', KEYS[6]) == 1 then
    redis.call('RENAME', KEYS[6], KEYS[3])
    redis.call('PERSIST', KEYS[3])
end
if redis.call('EXISTS', KEYS[7]) == 1 then
    redis.call('RENAME', KEYS[7], KEYS[5])
    redis.call('PERSIST', KEYS[5])
end
if redis.call('EXISTS', KEYS[9]) == 1 then
    redis.call('RENAME', KEYS[9], KEYS[8])
    redis.call('PERSIST', KEYS[8])
end
if redis.call('EXISTS', KEYS[11]) == 1 then
    redis.call('RENAME', KEYS[11], KEYS[10])
    redis.call('PERSIST', KEYS[10])
end
redis.call('SET', KEYS[2], ARGV[6])
redis.call('HSET', KEYS[1], 'start', ARGV[1], 'end', ARGV[2], 'limit', ARGV[3], 'total', ARGV[4], 'issued', ARGV[5],
           'gated', ARGV[9])
if ARGV[8] ~= '' then
    redis.call('HSET', KEYS[1], 'addressLimit', ARGV[8])
else
    redis.call('HDEL', KEYS[1], 'addressLimit')
end
return 1
