//! How the command line fails: an input that cannot be used (exit 1) or a
//! failure the input did not cause (exit 3), each with its lines on stderr.

use chainplan::model::{DocError, Problem};
use chainplan::planning::PlanError;
use std::process::ExitCode;

/// How a command failed, which decides the exit code the shell sees.
/// Usage errors never get here: clap exits with 2 itself.
pub enum Exit {
    /// The input cannot be used (unreadable, malformed, invalid, a bad option):
    /// exit 1, each line printed as `error: ...`.
    Invalid(Vec<String>),
    /// Something broke that the input did not cause (solver, writing output):
    /// exit 3.
    Internal(anyhow::Error),
}

impl Exit {
    pub fn report(self) -> ExitCode {
        match self {
            Exit::Invalid(lines) => {
                for line in lines {
                    eprintln!("error: {line}");
                }
                ExitCode::from(1)
            }
            Exit::Internal(err) => {
                eprintln!("error: {err:#}");
                ExitCode::from(3)
            }
        }
    }
}

impl From<DocError> for Exit {
    fn from(e: DocError) -> Exit {
        // One line per problem, so a long list stays greppable by path.
        let lines = match e {
            DocError::Invalid(problems) => problems.iter().map(Problem::to_string).collect(),
            other => vec![other.to_string()],
        };
        Exit::Invalid(lines)
    }
}

impl From<PlanError> for Exit {
    fn from(e: PlanError) -> Exit {
        match e {
            PlanError::Document(doc) => doc.into(),
            PlanError::Option { .. } | PlanError::TooLarge(_) => Exit::Invalid(vec![e.to_string()]),
            // The CLI sets no cancel flag, so `Cancelled` cannot happen here.
            PlanError::Solver(_) | PlanError::Cancelled => Exit::Internal(e.into()),
        }
    }
}
