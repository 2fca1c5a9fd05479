//! One problem found in a document (a path into it and the reason), and the
//! report that collects every error and warning of one validation pass.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A problem at a JSON path, such as `lanes[4].to: unknown site "plnt-2"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Path into the document: `lines[3].operations[0].inputs[1].item`.
    pub path: String,
    /// Why the value is wrong, for a person.
    pub reason: String,
}

impl Problem {
    /// A problem at `path` for `reason`.
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

impl Problem {
    /// The same problem with its path put under `prefix` (see [`join_path`]).
    pub fn under(self, prefix: &str) -> Problem {
        Problem {
            path: join_path(prefix, &self.path),
            reason: self.reason,
        }
    }
}

/// `prefix.path`: `document` and `lanes[4].to` give `document.lanes[4].to`,
/// `changes` and `[2].qty` give `changes[2].qty`. A path of the whole (empty,
/// or `$` as validation names the document) is the prefix itself; an empty
/// prefix leaves the path as it is.
pub fn join_path(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path) {
        (true, _) => path.to_string(),
        (false, "$" | "") => prefix.to_string(),
        (false, p) if p.starts_with('[') => format!("{prefix}{p}"),
        (false, p) => format!("{prefix}.{p}"),
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Everything one validation pass found: errors reject the document, warnings
/// are for the planner's attention only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationReport {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl ValidationReport {
    /// Whether the document may be planned.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// Records an error.
    pub fn error(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.errors.push(Problem::new(path, reason));
    }

    /// Records a warning.
    pub fn warn(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.warnings.push(Problem::new(path, reason));
    }
}
