//! Solves off the async runtime. A job is a [`JobSpec`] (data: what to
//! solve, how), run by [`run_job`] on a blocking thread; its state (queued,
//! running with progress, done) goes out on a watch channel, so any number
//! of `WatchSolve` streams can follow it. A job is cancelled when every
//! caller waiting on it has gone away, or when the server shuts down.
//!
//! Where jobs run is the pool's choice: on this process's bounded pool of
//! solver workers in front of a bounded queue (the embedded default), or on
//! a queue in Redis that every replica and `chainplan worker` takes from
//! ([`queue`]), so that any replica can follow any job.

pub mod job;
pub mod pool;
pub mod queue;
pub mod run;
pub mod spec;

pub use job::{CancelFlag, CancelOnDrop, Job, JobFailure, JobFailureKind, JobProgress, JobState};
pub use pool::{Reservation, SolvePool};
pub use queue::SharedQueue;
pub use run::run_job;
pub use spec::{JobKind, JobOptions, JobSpec};
