//! Dropping what the Redis store's [`Retention`] no longer keeps, after a
//! write that added a network version or a plan. Best effort: the write
//! has succeeded whatever happens here, and what a failed pass leaves is
//! dropped by the next one.
//!
//! Versions are dropped with `HDEL` on the network's versions hash. Plans
//! are first taken out of the network's plan index by a script that skips
//! the committed plan, in the slot where a publish checks the index, and
//! only then deleted: a plan is either committed or taken, never both.

use super::reply::{present, redis_error};
use super::{scripts, RedisStore};
use crate::store::backend::Store;
use crate::store::error::StoreError;
use crate::store::records::{PlanRecord, Retention};
use std::collections::HashSet;

impl RedisStore {
    /// Drops the old versions and plans of a network, logging a failure.
    pub(super) async fn prune(&self, network_id: &str) {
        if let Err(err) = self.try_prune(network_id).await {
            tracing::warn!(network_id, %err, "retention pass failed; the next one retries");
        }
    }

    async fn try_prune(&self, network_id: &str) -> Result<(), StoreError> {
        let Retention { versions, plans } = self.inner.retention;
        let keys = self.keys().network(network_id);
        let mut conn = self.conn();
        let (latest, committed, stored_versions, indexed): (
            Option<u64>,
            Option<String>,
            Vec<u64>,
            Vec<String>,
        ) = redis::pipe()
            .cmd("HGET")
            .arg(keys.meta())
            .arg("latest")
            .cmd("HGET")
            .arg(keys.meta())
            .arg("published_plan_id")
            .cmd("HKEYS")
            .arg(keys.versions())
            .cmd("ZRANGE")
            .arg(keys.plans())
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        let latest = present(network_id, latest)?;
        let oldest_kept = latest.saturating_sub(versions as u64 - 1);
        let old_versions: Vec<u64> = stored_versions
            .into_iter()
            .filter(|v| *v < oldest_kept)
            .collect();
        let excess = indexed.len().saturating_sub(plans);
        if old_versions.is_empty() && excess == 0 {
            return Ok(());
        }
        // What is still in use, whatever its age.
        let mut pinned_versions = HashSet::new();
        let mut pinned_plans: HashSet<String> = committed.iter().cloned().collect();
        for s in self.list_scenarios(network_id).await? {
            pinned_versions.insert(s.base_version);
            pinned_plans.extend(s.plan_id.into_iter().chain(s.base_plan_id));
        }
        if let Some(committed) = &committed {
            let record: Result<PlanRecord, StoreError> = self.get_plan(committed).await;
            match record {
                Ok(r) => {
                    pinned_versions.insert(r.network_version);
                }
                // Without the committed plan's version nothing is dropped.
                Err(e) => return Err(e),
            }
        }
        let dropped: Vec<u64> = old_versions
            .into_iter()
            .filter(|v| !pinned_versions.contains(v))
            .collect();
        if !dropped.is_empty() {
            redis::cmd("HDEL")
                .arg(keys.versions())
                .arg(&dropped)
                .query_async::<()>(&mut conn)
                .await
                .map_err(redis_error)?;
        }
        let candidates: Vec<&String> = indexed
            .iter()
            .filter(|id| !pinned_plans.contains(*id))
            .take(excess)
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let taken: Vec<String> = scripts::PRUNE_PLANS
            .key(keys.meta())
            .key(keys.plans())
            .arg(candidates)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        // One key per command: plans live in slots of their own.
        let mut pipe = redis::pipe();
        for id in &taken {
            pipe.cmd("UNLINK").arg(self.keys().plan(id)).ignore();
        }
        if !taken.is_empty() {
            pipe.query_async::<()>(&mut conn)
                .await
                .map_err(redis_error)?;
        }
        Ok(())
    }
}
