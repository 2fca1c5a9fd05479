//! The Lua scripts behind the Redis store's atomic writes. Redis runs a
//! script whole, with no other command in between, so a check and the write
//! that depends on it cannot be separated by another writer. Each script
//! touches only the keys of one network (one hash tag, so one Cluster slot)
//! and checks everything before it writes anything: a script that fails
//! halfway is not rolled back.
//!
//! Scripts answer with a status word the store turns into a `StoreError`,
//! never with a Redis error, so a lost race is not mistaken for an outage.
//! Numbers that must stay exact (versions) travel as decimal strings and are
//! compared as strings; Lua's numbers are doubles.

use redis::Script;
use std::sync::LazyLock;

/// Appends a network version.
///
/// KEYS: meta, versions. ARGV: the expected latest version or `""` for
/// none, the version JSON. Answers `{"ok", new version}` or
/// `{"conflict", latest}`.
pub(super) static PUT_NETWORK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local latest = redis.call('HGET', KEYS[1], 'latest') or '0'
if ARGV[1] ~= '' and ARGV[1] ~= latest then
  return {'conflict', latest}
end
local version = redis.call('HINCRBY', KEYS[1], 'latest', 1)
redis.call('HSET', KEYS[2], version, ARGV[2])
return {'ok', tostring(version)}
"#,
    )
});

/// Commits a publish: new allocation versions, the network's publish state,
/// the receipt under its request id, and one notification per new version.
///
/// KEYS: meta, publishes, the network's plan index, then the log of every
/// supplier of the publish, each once. ARGV: the publish version read (`"0"` for none), the new
/// publish version, `"1"` when there is a request id and `"0"` when not,
/// the request id, the receipt JSON, the plan id, the publish time JSON,
/// the notification channel; then per log key: the latest version read,
/// the number `n` of versions to append, and `n` times (version, version
/// JSON, notification payload).
///
/// Answers `{"ok", ""}`; `{"receipt", json}` when the request id was used
/// meanwhile; `{"gone", ""}` when retention dropped the plan meanwhile; `{"retry", ""}` when the network's publish state or a log
/// moved since it was read, so the diff must be computed again. Checking
/// the publish version alone would do (every append bumps it); the logs
/// are checked too so that an explicit-id `XADD` can never fail halfway.
pub(super) static PUBLISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local meta, publishes = KEYS[1], KEYS[2]
if ARGV[3] == '1' then
  local done = redis.call('HGET', publishes, ARGV[4])
  if done then return {'receipt', done} end
end
-- Retention drops a plan from the index first (PRUNE_PLANS, in this slot),
-- so a plan still indexed here cannot be dropped once it is committed.
if not redis.call('ZSCORE', KEYS[3], ARGV[6]) then
  return {'gone', ''}
end
if (redis.call('HGET', meta, 'publish_version') or '0') ~= ARGV[1] then
  return {'retry', ''}
end
local a = 9
for k = 4, #KEYS do
  local top = redis.call('XREVRANGE', KEYS[k], '+', '-', 'COUNT', 1)
  local latest = '0'
  if top[1] then latest = string.match(top[1][1], '^(%d+)%-') end
  if latest ~= ARGV[a] then return {'retry', ''} end
  a = a + 2 + 3 * tonumber(ARGV[a + 1])
end
local notes = {}
a = 9
for k = 4, #KEYS do
  local n = tonumber(ARGV[a + 1])
  for i = 0, n - 1 do
    local b = a + 2 + 3 * i
    redis.call('XADD', KEYS[k], ARGV[b] .. '-0', 'v', ARGV[b + 1])
    notes[#notes + 1] = ARGV[b + 2]
  end
  a = a + 2 + 3 * n
end
redis.call('HSET', meta, 'publish_version', ARGV[2], 'published_at', ARGV[7],
  'published_plan_id', ARGV[6])
if ARGV[3] == '1' then
  redis.call('HSET', publishes, ARGV[4], ARGV[5])
end
-- Last, so no watcher is woken before the whole publish is in place.
for _, note in ipairs(notes) do
  redis.call('PUBLISH', ARGV[8], note)
end
return {'ok', ''}
"#,
    )
});

/// Records a supplier's acknowledgement of one of its versions, unless the
/// version has one already: the first answer stands.
///
/// KEYS: meta, the supplier's log, its acknowledgements (a list, oldest
/// first), the same by version (a hash). ARGV: the version acknowledged,
/// the acknowledgement JSON. Answers `{"ok", latest}`, `{"recorded",
/// latest, json}` with the answer recorded before, `{"no_version", latest}`
/// or `{"no_network", "0"}`.
pub(super) static ACKNOWLEDGE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if not redis.call('HGET', KEYS[1], 'latest') then
  return {'no_network', '0'}
end
local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local latest = '0'
if top[1] then latest = string.match(top[1][1], '^(%d+)%-') end
local version = tonumber(ARGV[1])
if version < 1 or version > tonumber(latest) then
  return {'no_version', latest}
end
local recorded = redis.call('HGET', KEYS[4], ARGV[1])
if recorded then
  return {'recorded', latest, recorded}
end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
redis.call('RPUSH', KEYS[3], ARGV[2])
return {'ok', latest}
"#,
    )
});

/// Stores a report of actuals, unless its request id was used: then the
/// first report stands.
///
/// KEYS: meta, the actuals list, its index by request id. ARGV: the
/// request id, the network version the report counts in, the report JSON
/// with sequence `0` as the placeholder `"sequence":0`. Answers `{"ok",
/// json}` with the sequence set, `{"recorded", json}`, `{"rolled",
/// rolled_to}`, `{"ahead", latest}` or `{"no_network", "0"}`.
pub(super) static REPORT_ACTUALS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local latest = redis.call('HGET', KEYS[1], 'latest')
if not latest then return {'no_network', '0'} end
local recorded = redis.call('HGET', KEYS[3], ARGV[1])
if recorded then return {'recorded', recorded} end
local rolled = redis.call('HGET', KEYS[1], 'rolled_to') or '0'
if tonumber(ARGV[2]) < tonumber(rolled) then return {'rolled', rolled} end
if tonumber(ARGV[2]) > tonumber(latest) then return {'ahead', latest} end
local sequence = redis.call('LLEN', KEYS[2]) + 1
local json = string.gsub(ARGV[3], '"sequence":0', '"sequence":' .. sequence, 1)
redis.call('RPUSH', KEYS[2], json)
redis.call('HSET', KEYS[3], ARGV[1], json)
return {'ok', json}
"#,
    )
});

/// Rolls the horizon: the new network version and the roll's record
/// together, unless the request id was used (then the first roll stands).
///
/// KEYS: meta, versions, rolls, the rolls' index by request id. ARGV: the
/// version rolled, the new version JSON, the roll JSON, the request id
/// (`""` for none). Answers `{"ok", ""}`, `{"recorded", json}`,
/// `{"conflict", latest}` or `{"no_network", "0"}`.
pub(super) static ROLL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local latest = redis.call('HGET', KEYS[1], 'latest')
if not latest then return {'no_network', '0'} end
if ARGV[4] ~= '' then
  local recorded = redis.call('HGET', KEYS[4], ARGV[4])
  if recorded then return {'recorded', recorded} end
end
if latest ~= ARGV[1] then return {'conflict', latest} end
local version = redis.call('HINCRBY', KEYS[1], 'latest', 1)
redis.call('HSET', KEYS[2], version, ARGV[2])
redis.call('HSET', KEYS[1], 'rolled_to', version)
redis.call('RPUSH', KEYS[3], ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[4], ARGV[4], ARGV[3]) end
return {'ok', ''}
"#,
    )
});

/// Takes plans out of a network's plan index for retention to delete,
/// except the committed plan: a publish checks the index in the same
/// script as it commits, so a plan is either committed or taken, never
/// both.
///
/// KEYS: meta, plan index. ARGV: the plan ids to take. Answers the ids
/// taken.
pub(super) static PRUNE_PLANS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local committed = redis.call('HGET', KEYS[1], 'published_plan_id')
local taken = {}
for _, id in ipairs(ARGV) do
  if id ~= committed and redis.call('ZREM', KEYS[2], id) == 1 then
    taken[#taken + 1] = id
  end
end
return taken
"#,
    )
});

/// Records the plans of a scenario's latest solve, if the scenario exists.
///
/// KEYS: scenarios, scenario plans. ARGV: scenario id, plans JSON.
/// Answers 1, or 0 when there is no such scenario.
pub(super) static SET_SCENARIO_PLANS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"#,
    )
});

/// Deletes a scenario with the plans of its solves.
///
/// KEYS: scenarios, scenario plans. ARGV: scenario id. Answers 1, or 0 when
/// there is no such scenario.
pub(super) static DELETE_SCENARIO: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"#,
    )
});
