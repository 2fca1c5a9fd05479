//! The names of the Redis store's keys and its notification channel, and
//! nothing else: no connection, no encoding of values.
//!
//! Layout under a configurable prefix `<p>`:
//!
//! | key | type | holds |
//! |---|---|---|
//! | `<p>:networks` | SET | every network id ever written |
//! | `<p>:net:{<n>}:meta` | HASH | `latest` version, `publish_version`, `published_plan_id`, `published_at` |
//! | `<p>:net:{<n>}:versions` | HASH | version → network version JSON |
//! | `<p>:net:{<n>}:publishes` | HASH | publish request id → receipt JSON |
//! | `<p>:net:{<n>}:log:<e>` | STREAM | supplier `e`'s allocation versions, entry id `<version>-0` |
//! | `<p>:net:{<n>}:acks:<e>` | LIST | supplier `e`'s acknowledgements, oldest first |
//! | `<p>:net:{<n>}:ackv:<e>` | HASH | version → supplier `e`'s acknowledgement of it |
//! | `<p>:net:{<n>}:policy` | STRING | re-plan policy JSON |
//! | `<p>:net:{<n>}:scenarios` | HASH | scenario id → scenario JSON |
//! | `<p>:net:{<n>}:scenario_plans` | HASH | scenario id → plans of its latest solve |
//! | `<p>:net:{<n>}:plans` | ZSET | the network's plan ids by creation time (ms) |
//! | `<p>:plan:{<plan>}` | STRING | plan record JSON, written once |
//! | `<p>:scenario:{<s>}` | STRING | the network id of scenario `s` |
//! | `<p>:alloc` | channel | one message per appended allocation version |
//!
//! Every key of one network carries the Cluster hash tag `{<n>}`, so one
//! network lives in one slot and a Lua script may touch all of it. Ids are
//! escaped so that no id can end a tag early or run into the next segment.

use std::borrow::Cow;

/// Key names under one prefix.
#[derive(Debug, Clone)]
pub(super) struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys under `prefix`. Braces in the prefix are escaped: a `{` there
    /// would become the Cluster hash tag of every key and put all networks
    /// in one slot.
    pub fn new(prefix: &str) -> Keys {
        Keys {
            prefix: escape_chars(prefix, &['{', '}', '%']).into_owned(),
        }
    }

    /// The SET of network ids.
    pub fn networks(&self) -> String {
        format!("{}:networks", self.prefix)
    }

    /// The keys of one network.
    pub fn network(&self, network_id: &str) -> NetworkKeys {
        NetworkKeys {
            base: format!("{}:net:{}", self.prefix, tag(network_id)),
        }
    }

    /// A plan record.
    pub fn plan(&self, plan_id: &str) -> String {
        format!("{}:plan:{}", self.prefix, tag(plan_id))
    }

    /// The reservation of a scenario id, holding its network id.
    pub fn scenario(&self, scenario_id: &str) -> String {
        format!("{}:scenario:{}", self.prefix, tag(scenario_id))
    }

    /// The pub/sub channel of allocation notifications.
    pub fn notifications(&self) -> String {
        format!("{}:alloc", self.prefix)
    }

    /// A SCAN MATCH pattern for every key under the prefix.
    pub fn all(&self) -> String {
        let mut pattern = String::with_capacity(self.prefix.len() + 2);
        for c in self.prefix.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push_str(":*");
        pattern
    }
}

/// The keys of one network, all in the slot of its hash tag.
#[derive(Debug, Clone)]
pub(super) struct NetworkKeys {
    base: String,
}

impl NetworkKeys {
    pub fn meta(&self) -> String {
        format!("{}:meta", self.base)
    }

    pub fn versions(&self) -> String {
        format!("{}:versions", self.base)
    }

    pub fn publishes(&self) -> String {
        format!("{}:publishes", self.base)
    }

    /// A supplier's allocation log (a stream).
    pub fn log(&self, enterprise: &str) -> String {
        format!("{}:log:{}", self.base, escape(enterprise))
    }

    /// A supplier's acknowledgements (a list).
    pub fn acks(&self, enterprise: &str) -> String {
        format!("{}:acks:{}", self.base, escape(enterprise))
    }

    /// A supplier's acknowledgements by version (a hash), which makes the
    /// first answer to a version stand.
    pub fn ack_index(&self, enterprise: &str) -> String {
        format!("{}:ackv:{}", self.base, escape(enterprise))
    }

    /// Every actuals report (a list, oldest first).
    pub fn actuals(&self) -> String {
        format!("{}:actuals", self.base)
    }

    /// Actuals reports by request id (a hash), which makes a retry a no-op.
    pub fn actuals_index(&self) -> String {
        format!("{}:actualsr", self.base)
    }

    /// The rolls of the horizon (a list, oldest first).
    pub fn rolls(&self) -> String {
        format!("{}:rolls", self.base)
    }

    /// Rolls by request id (a hash).
    pub fn roll_index(&self) -> String {
        format!("{}:rollr", self.base)
    }

    pub fn policy(&self) -> String {
        format!("{}:policy", self.base)
    }

    pub fn scenarios(&self) -> String {
        format!("{}:scenarios", self.base)
    }

    pub fn scenario_plans(&self) -> String {
        format!("{}:scenario_plans", self.base)
    }

    /// The network's plans by creation time (a sorted set): what the
    /// store's retention prunes, and what a publish checks its plan is in.
    pub fn plans(&self) -> String {
        format!("{}:plans", self.base)
    }
}

/// `{<id>}`, escaped. Cluster ignores an empty tag `{}` and hashes the whole
/// key instead, which would scatter one network over many slots; the empty
/// id is written `%`, which no escaped id can be (a `%` is always `%25`).
fn tag(id: &str) -> String {
    if id.is_empty() {
        "{%}".to_string()
    } else {
        format!("{{{}}}", escape(id))
    }
}

/// Percent-encodes the characters that structure a key: braces (hash tags),
/// `:` (segments) and `%` itself, so the encoding is reversible and two ids
/// never share a key.
fn escape(id: &str) -> Cow<'_, str> {
    escape_chars(id, &['{', '}', ':', '%'])
}

fn escape_chars<'a>(s: &'a str, special: &[char]) -> Cow<'a, str> {
    if !s.contains(special) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if special.contains(&c) {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Cluster hash slot of a key (CRC16-XMODEM of its hash tag, mod
    /// 16384), as in the Redis Cluster specification.
    fn slot(key: &str) -> u16 {
        let bytes = key.as_bytes();
        let hashed = match key.find('{') {
            Some(open) => match key[open + 1..].find('}') {
                Some(len) if len > 0 => &bytes[open + 1..open + 1 + len],
                _ => bytes,
            },
            None => bytes,
        };
        crc16(hashed) % 16384
    }

    fn crc16(data: &[u8]) -> u16 {
        let mut crc: u16 = 0;
        for &b in data {
            crc ^= u16::from(b) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ 0x1021
                } else {
                    crc << 1
                };
            }
        }
        crc
    }

    fn network_keys(keys: &Keys, network: &str) -> Vec<String> {
        let n = keys.network(network);
        vec![
            n.meta(),
            n.versions(),
            n.publishes(),
            n.log("acme"),
            n.log("b:{x}"),
            n.acks("acme"),
            n.policy(),
            n.scenarios(),
            n.scenario_plans(),
        ]
    }

    #[test]
    fn the_slot_function_matches_the_specification() {
        // The specification's check value for CRC16-XMODEM.
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(slot("{user1000}.following"), slot("{user1000}.followers"));
        assert_eq!(slot("foo{}{bar}"), crc16(b"foo{}{bar}") % 16384);
    }

    #[test]
    fn one_networks_keys_share_one_slot() {
        let keys = Keys::new("chainplan");
        for network in ["gearbox", "a:b", "x}y", "{evil}", "%7D", ""] {
            let all = network_keys(&keys, network);
            let first = slot(&all[0]);
            assert!(all.iter().all(|k| slot(k) == first), "{network}: {all:?}");
        }
    }

    #[test]
    fn crafted_ids_cannot_leave_their_tag() {
        let keys = Keys::new("p");
        assert_eq!(keys.network("gearbox").meta(), "p:net:{gearbox}:meta");
        assert_eq!(keys.network("a}b").meta(), "p:net:{a%7Db}:meta");
        assert_eq!(keys.network("").meta(), "p:net:{%}:meta");
        assert_eq!(keys.plan("{x}"), "p:plan:{%7Bx%7D}");
        // Escaping is reversible, so distinct ids give distinct keys.
        assert_ne!(keys.network("a}b").meta(), keys.network("a%7Db").meta());
        assert_ne!(keys.network("n").log("a:acks"), keys.network("n").acks("a"));
        assert_ne!(keys.network("n:log").meta(), keys.network("n").meta());
    }

    #[test]
    fn a_prefix_with_braces_does_not_become_the_tag() {
        let keys = Keys::new("{app}");
        assert_eq!(keys.networks(), "%7Bapp%7D:networks");
        assert_ne!(
            slot(&keys.network("one").meta()),
            slot(&keys.network("two").meta())
        );
    }

    #[test]
    fn the_cleanup_pattern_matches_the_prefix_literally() {
        assert_eq!(Keys::new("t-1").all(), "t-1:*");
        assert_eq!(Keys::new("a*b?[c]").all(), "a\\*b\\?\\[c\\]:*");
    }
}
