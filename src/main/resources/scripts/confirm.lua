-- Settle the pending reservations of orders that committed together: each user is a buyer for
-- good, and each pending mark goes if it is still exactly the expected one (release.lua's CONFIRM
-- for many users of one sale, or one shard of a split sale, in one round trip).
-- KEYS: 1 buyers  2 pending
-- ARGV: user, expected pending entry, user, expected pending entry, ...
-- Returns how many pending marks were dropped.
local settled = 0
for i = 1, #ARGV, 2 do
    local user = ARGV[i]
    redis.call('SADD', KEYS[1], user)
    if redis.call('HGET', KEYS[2], user) == ARGV[i + 1] then
        redis.call('HDEL', KEYS[2], user)
        settled = settled + 1
    end
end
return settled
