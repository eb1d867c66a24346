//! The Lua scripts of the task store: each runs atomically in Redis, so that every
//! operation of the store is atomic across processes (the limits of a create, a status
//! transition, a lease take-over). Every script gets the key base `{prefix}:` as `ARGV[1]`
//! and a key of the store as `KEYS[1]`, which routes it in a cluster: all the store's
//! keys share the hash tag of the base, so they live in one slot.
//!
//! Keys: `t:<id>` the task (a hash, see `codec`); `ol:<owner>` the owner's tasks in
//! listing order (members of equal score, `list_member`); `oa:<owner>` and `ou:<owner>`
//! all and the unfinished tasks of the owner, scored by expiry (`+inf`: never), for the
//! limits; `x` every task that expires, by expiry, for the purge; `u` every unfinished
//! task, by expiry, for recovery. Each key has a TTL (its task's expiry plus a grace; an
//! index the TTL of its longest-lived task) unless it holds a task that never expires.

use redis::Script;

/// The helpers every script starts with.
macro_rules! lua {
    ($body:expr) => {
        concat!(
            r#"
local base = ARGV[1]
local function tkey(id) return base .. 't:' .. id end
local function okey(kind, owner) return base .. kind .. ':' .. owner end
local FIELDS = {'o', 's', 'm', 'c', 'u', 'e', 'lu', 'ca', 'tl', 'pi', 'me', 'k', 'p', 'r'}
local SUMMARY = {'o', 's', 'm', 'c', 'u', 'e', 'lu', 'ca', 'tl', 'pi', 'me', 'k'}
local function unfinished(status) return status == 'working' or status == 'input_required' end
local function unlink(id, owner, member)
  redis.call('ZREM', okey('ol', owner), member)
  redis.call('ZREM', okey('oa', owner), id)
  redis.call('ZREM', okey('ou', owner), id)
  redis.call('ZREM', base .. 'x', id)
  redis.call('ZREM', base .. 'u', id)
  redis.call('DEL', tkey(id))
end
local function servertime()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function ms(n) return string.format('%.0f', n) end
"#,
            $body
        )
    };
}

/// `create`: ARGV 2 id, 3 owner, 4 created, 5 expires (`''`: never), 6 and 7 the limits of
/// unfinished and all tasks (-1: none), 8 the listing member, 9 `1` if unfinished, 10 the
/// key TTL in ms (`''`: none), 11 the lease holder (`''`: none), 12 the lease in ms, 13..
/// the hash's field/value pairs. Returns `ok`, `dup`, `limit-unfinished`, `limit-all`.
const CREATE: &str = lua!(
    r#"
local id, owner, created, expires, ttl = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[10]
local key = tkey(id)
local old = redis.call('HMGET', key, 'o', 'e', 'k')
if old[1] then
  if (not old[2]) or tonumber(old[2]) > tonumber(created) then return 'dup' end
  unlink(id, old[1], old[3])
end
local function alive(kind) return redis.call('ZCOUNT', okey(kind, owner), '(' .. created, '+inf') end
if tonumber(ARGV[6]) >= 0 and alive('ou') >= tonumber(ARGV[6]) then return 'limit-unfinished' end
if tonumber(ARGV[7]) >= 0 and alive('oa') >= tonumber(ARGV[7]) then return 'limit-all' end
local fields = {}
for i = 13, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', key, unpack(fields))
if ARGV[11] ~= '' then
  redis.call('HSET', key, 'lh', ARGV[11], 'lx', ms(servertime() + tonumber(ARGV[12])))
end
if ttl ~= '' then redis.call('PEXPIRE', key, ttl) end
local function index(k, score, member)
  local existed = redis.call('EXISTS', k)
  redis.call('ZADD', k, score, member)
  if ttl == '' then redis.call('PERSIST', k)
  elseif existed == 0 then redis.call('PEXPIRE', k, ttl)
  else redis.call('PEXPIRE', k, ttl, 'GT') end
end
local score = expires
if score == '' then score = '+inf' end
index(okey('ol', owner), 0, ARGV[8])
index(okey('oa', owner), score, id)
if ARGV[9] == '1' then
  index(okey('ou', owner), score, id)
  index(base .. 'u', score, id)
end
if expires ~= '' then index(base .. 'x', score, id) end
return 'ok'
"#
);

/// `update`: ARGV 2 id, 3 owner, 4 the time expiry is judged at, 5 the time of the change
/// and 6 its wire form, 7 the new status, 8 the statuses it may come from (`,a,b,`), 9 `1`
/// if the outcome fits the status, 10 `1` if the new status is terminal, 11 the message
/// and 12 `1` if there is one, 13 the outcome and 14 `1` if there is one. Returns `{ok,
/// fields...}`, `{nf}`, `{outcome}`, `{tr, current}`, or `{stale, updated}` when the
/// change is dated before the last one (the caller dates it at that one and tries again).
const UPDATE: &str = lua!(
    r#"
local id, owner = ARGV[2], ARGV[3]
local key = tkey(id)
local cur = redis.call('HMGET', key, 'o', 'e', 's', 'u')
if cur[1] ~= owner then return {'nf'} end
if cur[2] and tonumber(cur[2]) <= tonumber(ARGV[4]) then return {'nf'} end
if ARGV[9] ~= '1' then return {'outcome'} end
if not string.find(ARGV[8], ',' .. cur[3] .. ',', 1, true) then return {'tr', cur[3]} end
if tonumber(ARGV[5]) < tonumber(cur[4]) then return {'stale', cur[4]} end
redis.call('HSET', key, 's', ARGV[7], 'u', ARGV[5], 'lu', ARGV[6])
if ARGV[12] == '1' then redis.call('HSET', key, 'm', ARGV[11]) else redis.call('HDEL', key, 'm') end
if ARGV[14] == '1' then redis.call('HSET', key, 'r', ARGV[13]) else redis.call('HDEL', key, 'r') end
if ARGV[10] == '1' then
  redis.call('ZREM', okey('ou', owner), id)
  redis.call('ZREM', base .. 'u', id)
  redis.call('HDEL', key, 'lh', 'lx')
end
local out = redis.call('HMGET', key, unpack(FIELDS))
table.insert(out, 1, 'ok')
return out
"#
);

/// `list`: KEYS 1 the owner's listing index; ARGV 2 owner, 3 where to start (`-` or
/// `(member`), 4 limit, 5 now, 6 `1` for whole records. Returns `{more, id, fields..., id,
/// fields..., ...}`; skips expired tasks and members left by keys Redis expired.
const LIST: &str = lua!(
    r#"
local owner, start, limit, now = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local fields = SUMMARY
if ARGV[6] == '1' then fields = FIELDS end
local out = {'0'}
local found = 0
while true do
  local batch = redis.call('ZRANGEBYLEX', KEYS[1], start, '+', 'LIMIT', 0, 64)
  if #batch == 0 then return out end
  for _, m in ipairs(batch) do
    local id = string.sub(m, 22)
    local f = redis.call('HMGET', tkey(id), unpack(fields))
    if f[1] == owner and f[12] == m and ((not f[6]) or tonumber(f[6]) > now) then
      if found == limit then
        out[1] = '1'
        return out
      end
      found = found + 1
      out[#out + 1] = id
      for i = 1, #fields do out[#out + 1] = f[i] end
    end
    start = '(' .. m
  end
end
"#
);

/// `unfinished`: KEYS 1 the unfinished index; ARGV 2 now. Returns `{id, fields..., ...}`.
const UNFINISHED: &str = lua!(
    r#"
local now = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '+inf')
local out = {}
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', tkey(id), unpack(FIELDS))
  if f[1] and unfinished(f[2]) and ((not f[6]) or tonumber(f[6]) > now) then
    out[#out + 1] = id
    for i = 1, #FIELDS do out[#out + 1] = f[i] end
  end
end
return out
"#
);

/// `purge_expired`, one batch: KEYS 1 the expiry index; ARGV 2 now, 3 batch size.
/// Returns `{purged, looked at}`.
const PURGE: &str = lua!(
    r#"
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local purged = 0
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', tkey(id), 'o', 'e', 'k')
  if not f[1] then
    redis.call('ZREM', base .. 'x', id)
    redis.call('ZREM', base .. 'u', id)
  elseif f[2] and tonumber(f[2]) <= tonumber(ARGV[2]) then
    unlink(id, f[1], f[3])
    purged = purged + 1
  elseif f[2] then
    redis.call('ZADD', base .. 'x', f[2], id)
  else
    redis.call('ZREM', base .. 'x', id)
  end
end
return {purged, #ids}
"#
);

/// `claim`: KEYS 1 the task; ARGV 2 holder, 3 lease ms. Returns 1 when the lease is the
/// holder's now, 0 when anyone (the holder included: its own work may be starting) holds
/// an unexpired one or the task is missing or finished.
const CLAIM: &str = lua!(
    r#"
local f = redis.call('HMGET', KEYS[1], 's', 'lh', 'lx')
if not f[1] or not unfinished(f[1]) then return 0 end
local now = servertime()
if f[2] and tonumber(f[3]) > now then return 0 end
redis.call('HSET', KEYS[1], 'lh', ARGV[2], 'lx', ms(now + tonumber(ARGV[3])))
return 1
"#
);

/// `renew_leases`: ARGV 2 holder, 3 lease ms, 4.. task ids. Extends the holder's leases
/// (and takes those of unfinished tasks nobody holds); returns the ids another holds.
const RENEW: &str = lua!(
    r#"
local holder = ARGV[2]
local until_ms = ms(servertime() + tonumber(ARGV[3]))
local lost = {}
for i = 4, #ARGV do
  local key = tkey(ARGV[i])
  local f = redis.call('HMGET', key, 's', 'lh')
  if f[1] and unfinished(f[1]) then
    if (not f[2]) or f[2] == holder then
      redis.call('HSET', key, 'lh', holder, 'lx', until_ms)
    else
      lost[#lost + 1] = ARGV[i]
    end
  end
end
return lost
"#
);

/// The scripts, loaded once per store (Redis caches them by digest; after a restart of
/// Redis they are loaded again on first use).
#[derive(Debug)]
pub(crate) struct Scripts {
    pub(crate) create: Script,
    pub(crate) update: Script,
    pub(crate) list: Script,
    pub(crate) unfinished: Script,
    pub(crate) purge: Script,
    pub(crate) claim: Script,
    pub(crate) renew: Script,
}

impl Scripts {
    pub(crate) fn new() -> Self {
        Self {
            create: Script::new(CREATE),
            update: Script::new(UPDATE),
            list: Script::new(LIST),
            unfinished: Script::new(UNFINISHED),
            purge: Script::new(PURGE),
            claim: Script::new(CLAIM),
            renew: Script::new(RENEW),
        }
    }
}
