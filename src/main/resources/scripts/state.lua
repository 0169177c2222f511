-- A product's sale state in one atomic read (audit, reconciler): read command by command, even in
-- one pipeline, purchases run between the reads and the numbers disagree with each other.
-- KEYS: 1 sale  2 stock  3 free units  4 buyers  5 pending  6 holds
-- Returns {} if the state is missing, else {total, issued, stock, free units, buyers, holds, then
-- the pending hash as user, mark, user, mark, ...}.
local sale = redis.call('HMGET', KEYS[1], 'total', 'issued')
if not sale[1] then
    return {}
end
local reply = {sale[1], sale[2] or '0', redis.call('GET', KEYS[2]) or '0',
               redis.call('ZCARD', KEYS[3]), redis.call('SCARD', KEYS[4]), redis.call('HLEN', KEYS[6])}
local pending = redis.call('HGETALL', KEYS[5])
for i = 1, #pending do
    reply[#reply + 1] = pending[i]
end
return reply
