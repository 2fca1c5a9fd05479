//! The service under hostile and careless callers, over a real socket: every
//! defect found by a hostile run (one test each, `defects.rs`), and further
//! cases across the four services and the wire. Each refused call is checked
//! for its exact code and field path, for leaving stored state as it was,
//! and for leaving the server healthy; after every accepted call the
//! store's invariants are checked.

#[path = "../common/mod.rs"]
mod common;

mod defects;
mod harness;
mod network;
mod planning;
mod requests;
mod scenario;
mod supplier;
mod wire;
