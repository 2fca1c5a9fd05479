//! How proto -> domain conversions collect their problems: every problem
//! with its path ([`FieldViolations`]), the [`Decode`] trait that always
//! returns a value while it records them, the public `TryFrom`s built on
//! it, and the helpers for lists, required and optional fields, enum
//! numbers and counts.

use crate::model::{join_path, Problem};
use crate::model::{
    Allocation, AllocationChange, AllocationEntry, Bottleneck, Enterprise, Lane, Line, NetworkDoc,
    PerPeriod, Plan, SolveStats, Stock,
};
use crate::server::pb;
use thiserror::Error;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Every structural problem found converting one proto message, in the order
/// of the message's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Error)]
#[error("{}", summary(&self.0))]
pub struct FieldViolations(pub Vec<Problem>);

pub(super) fn summary(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl FieldViolations {
    /// The same violations with their paths put under `prefix`: `document`
    /// makes `lines[2].capacity` into `document.lines[2].capacity`, and
    /// `changes[3].add_demand` makes `qty` into `changes[3].add_demand.qty`.
    /// A violation of the whole message (empty path) takes the prefix itself.
    pub fn under(self, prefix: &str) -> FieldViolations {
        FieldViolations(self.0.into_iter().map(|p| p.under(prefix)).collect())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The violations, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.0.iter()
    }

    pub(super) fn push(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(Problem::new(field, description));
    }

    /// `Ok(value)` when nothing was found, else every violation.
    pub(super) fn into_result<T>(self, value: T) -> Result<T, FieldViolations> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl IntoIterator for FieldViolations {
    type Item = Problem;
    type IntoIter = std::vec::IntoIter<Problem>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// `at.name[i]`.
pub(super) fn index(at: &str, name: &str, i: usize) -> String {
    join_path(at, &format!("{name}[{i}]"))
}

// ---------------------------------------------------------------------------
// Collecting decoders (proto -> domain, may find problems)
// ---------------------------------------------------------------------------

/// A proto -> domain conversion that records its problems under `at` and
/// always returns a value (a placeholder where the proto was wrong; the
/// public `TryFrom` never hands such a value out).
pub(super) trait Decode<P>: Sized {
    fn decode(msg: P, at: &str, errs: &mut FieldViolations) -> Self;
}

/// The public `TryFrom` of a message whose conversion is a [`Decode`].
macro_rules! try_from_decode {
    ($($proto:ty => $domain:ty),* $(,)?) => {$(
        impl TryFrom<$proto> for $domain {
            type Error = FieldViolations;
            /// Converts the message, collecting every structural problem with
            /// its path relative to the message.
            fn try_from(msg: $proto) -> Result<Self, FieldViolations> {
                let mut errs = FieldViolations::default();
                let value = <$domain as Decode<$proto>>::decode(msg, "", &mut errs);
                errs.into_result(value)
            }
        }
    )*};
}

try_from_decode! {
    pb::NetworkDocument => NetworkDoc,
    pb::PerPeriod => PerPeriod,
    pb::Enterprise => Enterprise,
    pb::Line => Line,
    pb::Lane => Lane,
    pb::Stock => Stock,
    pb::Plan => Plan,
    pb::Allocation => Allocation,
    pb::AllocationEntry => AllocationEntry,
    pb::AllocationChange => AllocationChange,
    pb::Bottleneck => Bottleneck,
    pb::SolveStats => SolveStats,
}

pub(super) fn decode_list<P, D: Decode<P>>(
    msgs: Vec<P>,
    at: &str,
    name: &str,
    errs: &mut FieldViolations,
) -> Vec<D> {
    msgs.into_iter()
        .enumerate()
        .map(|(i, msg)| D::decode(msg, &index(at, name, i), errs))
        .collect()
}

pub(super) fn map_list<A, B: From<A>>(list: Vec<A>) -> Vec<B> {
    list.into_iter().map(B::from).collect()
}

/// A message field the domain requires.
pub(super) fn required<P, D: Decode<P>>(
    msg: Option<P>,
    at: &str,
    name: &str,
    errs: &mut FieldViolations,
    placeholder: impl FnOnce() -> D,
) -> D {
    let at = join_path(at, name);
    match msg {
        Some(msg) => D::decode(msg, &at, errs),
        None => {
            errs.push(at, "required");
            placeholder()
        }
    }
}

/// A message field that is absent in the domain when absent in the proto.
pub(super) fn optional<P, D: Decode<P>>(
    msg: Option<P>,
    at: &str,
    name: &str,
    errs: &mut FieldViolations,
) -> Option<D> {
    msg.map(|msg| D::decode(msg, &join_path(at, name), errs))
}

/// A proto3 enum number: UNSPECIFIED (0) and unknown numbers are violations.
pub(super) fn enum_value<E: TryFrom<i32>>(
    value: i32,
    at: &str,
    name: &str,
    what: &str,
    errs: &mut FieldViolations,
) -> Option<E> {
    let at = join_path(at, name);
    if value == 0 {
        errs.push(at, format!("unknown {what} 0 (unspecified); required"));
        return None;
    }
    match E::try_from(value) {
        Ok(v) => Some(v),
        Err(_) => {
            errs.push(at, format!("unknown {what} {value}"));
            None
        }
    }
}

/// A proto count into `usize`.
pub(super) fn count(value: u64, at: &str, name: &str, errs: &mut FieldViolations) -> usize {
    usize::try_from(value).unwrap_or_else(|_| {
        errs.push(
            join_path(at, name),
            format!("{value} does not fit this platform"),
        );
        usize::MAX
    })
}
