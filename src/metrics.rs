//! The service's operating figures, one process-wide registry rendered as
//! Prometheus text at `/metrics` (docs/operations.md lists each one).
//! Process-wide because the figures are recorded where things happen (the
//! solve pool, the supplier streams, the store's error mapping) and a
//! process serves one set of them; this module imports nothing of the
//! crate, so any layer may record into it.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::OnceLock;
use std::time::Duration;

/// The labels of a finished solve.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SolveLabels {
    /// The strategy that made the plan (`exact`, `fast`, `windows`, ...).
    pub strategy: String,
    /// The plan's status (`optimal`, `feasible`, ...), or `failed`.
    pub status: String,
}

/// The strategy of a solve.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StrategyLabel {
    pub strategy: String,
}

/// What kind of store error.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StoreErrorLabel {
    pub kind: StoreErrorKind,
}

/// The store errors that say something about the store's health (a record
/// not found or a stale version is the caller's answer, not an error).
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
pub enum StoreErrorKind {
    Unavailable,
    Conflict,
}

/// Every figure.
pub struct Metrics {
    registry: Registry,
    solves: Family<SolveLabels, Counter>,
    solve_seconds: Family<StrategyLabel, Histogram>,
    queue_depth: Gauge,
    queue_rejections: Counter,
    supplier_streams: Gauge,
    publish_to_receipt: Histogram,
    publishes: Counter,
    store_errors: Family<StoreErrorLabel, Counter>,
    redis_reconnects: Counter,
}

fn solve_buckets() -> Histogram {
    // From a tenth of a second to an hour, the range of solve time limits.
    Histogram::new([
        0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
    ])
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("chainplan");
        let solves = Family::<SolveLabels, Counter>::default();
        registry.register(
            "solves",
            "Solves finished, by strategy and plan status",
            solves.clone(),
        );
        let solve_seconds =
            Family::<StrategyLabel, Histogram>::new_with_constructor(solve_buckets as fn() -> _);
        registry.register(
            "solve_seconds",
            "Wall time of finished solves, by strategy",
            solve_seconds.clone(),
        );
        let queue_depth = Gauge::default();
        registry.register(
            "solve_queue_depth",
            "Solves admitted to this server's pool and not finished (waiting or running)",
            queue_depth.clone(),
        );
        let queue_rejections = Counter::default();
        registry.register(
            "solve_queue_rejections",
            "Solves refused because the queue was full (RESOURCE_EXHAUSTED)",
            queue_rejections.clone(),
        );
        let supplier_streams = Gauge::default();
        registry.register(
            "supplier_streams_open",
            "Allocation streams open to suppliers (gRPC and HTTP)",
            supplier_streams.clone(),
        );
        let publish_to_receipt = Histogram::new([
            0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ]);
        registry.register(
            "publish_to_receipt_seconds",
            "From a plan's publication to its allocation update being sent on an open supplier stream",
            publish_to_receipt.clone(),
        );
        let publishes = Counter::default();
        registry.register("publishes", "Plans published", publishes.clone());
        let store_errors = Family::<StoreErrorLabel, Counter>::default();
        registry.register(
            "store_errors",
            "Store calls that failed: unavailable (store unreachable) or conflict (concurrent update)",
            store_errors.clone(),
        );
        let redis_reconnects = Counter::default();
        registry.register(
            "redis_reconnects",
            "Redis connections found broken and opened again (commands and notification subscriptions)",
            redis_reconnects.clone(),
        );
        Metrics {
            registry,
            solves,
            solve_seconds,
            queue_depth,
            queue_rejections,
            supplier_streams,
            publish_to_receipt,
            publishes,
            store_errors,
            redis_reconnects,
        }
    }

    /// A solve finished: `status` is the plan's status, or `failed`.
    pub fn solve_finished(&self, strategy: &str, status: &str, took: Duration) {
        self.solves
            .get_or_create(&SolveLabels {
                strategy: strategy.to_string(),
                status: status.to_string(),
            })
            .inc();
        self.solve_seconds
            .get_or_create(&StrategyLabel {
                strategy: strategy.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// The pool's admitted solves went up (`+1`) or down (`-1`).
    pub fn queue_moved(&self, by: i64) {
        self.queue_depth.inc_by(by);
    }

    pub fn queue_rejected(&self) {
        self.queue_rejections.inc();
    }

    /// A supplier stream opened (`+1`) or closed (`-1`).
    pub fn supplier_stream_moved(&self, by: i64) {
        self.supplier_streams.inc_by(by);
    }

    pub fn published(&self) {
        self.publishes.inc();
    }

    /// An update reached an open stream this long after its publication.
    pub fn update_received(&self, after: Duration) {
        self.publish_to_receipt.observe(after.as_secs_f64());
    }

    pub fn store_error(&self, kind: StoreErrorKind) {
        self.store_errors
            .get_or_create(&StoreErrorLabel { kind })
            .inc();
    }

    pub fn redis_reconnected(&self) {
        self.redis_reconnects.inc();
    }

    /// Every figure in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// The process' figures.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// A gauge held up while a value lives: a stream counts as open until it
/// is dropped, however it ends.
pub struct OpenStream(());

impl OpenStream {
    pub fn open() -> OpenStream {
        metrics().supplier_stream_moved(1);
        OpenStream(())
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics().supplier_stream_moved(-1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_render_as_prometheus_text() {
        let m = Metrics::new();
        m.solve_finished("exact", "optimal", Duration::from_millis(300));
        m.queue_moved(2);
        m.queue_moved(-1);
        let text = m.render();
        assert!(text.contains("chainplan_solves_total{strategy=\"exact\",status=\"optimal\"} 1"));
        assert!(text.contains("chainplan_solve_queue_depth 1"));
        assert!(text.contains("chainplan_solve_seconds_bucket{le=\"0.5\",strategy=\"exact\"} 1"));
        assert!(text.ends_with("# EOF\n"));
    }
}
