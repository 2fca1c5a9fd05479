//! Reading a network document from JSON text: size guards before parsing, and
//! parse errors with line and column. Validation of the parsed document is
//! `validate`'s job; `parse_network` runs both.

use super::doc::NetworkDoc;
use super::problem::Problem;
use super::validate::validate;
use thiserror::Error;

/// The largest document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024 * 1024;

/// Why a document cannot be planned.
#[derive(Debug, Error)]
pub enum DocError {
    /// The text is not JSON of the document's shape.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// The text is larger than the service accepts.
    #[error("document is {size} bytes; at most {max} are accepted")]
    TooLarge { size: usize, max: usize },
    /// The document parsed but breaks rules of docs/model.md §1.
    #[error("{} problem(s) in the document:\n{}", .0.len(), list(.0))]
    Invalid(Vec<Problem>),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl DocError {
    /// Every problem as path and reason (a syntax error has the path `$`).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            DocError::Invalid(ps) => ps.clone(),
            other => vec![Problem::new("$", other.to_string())],
        }
    }
}

/// Parses JSON text into a document without validating it.
///
/// # Errors
/// `TooLarge` above [`MAX_DOCUMENT_BYTES`], `Syntax` with line and column for
/// malformed JSON, wrong types, unknown fields or missing required fields.
pub fn parse_document(text: &str) -> Result<NetworkDoc, DocError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(DocError::TooLarge {
            size: text.len(),
            max: MAX_DOCUMENT_BYTES,
        });
    }
    // serde_json stops at 128 levels of nesting, so hostile depth is an error,
    // not a stack overflow.
    serde_json::from_str(text).map_err(|e| DocError::Syntax {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Parses and validates a document; warnings are returned beside it.
///
/// # Errors
/// Any [`DocError`]; `Invalid` lists every rule the document breaks.
pub fn parse_network(text: &str) -> Result<(NetworkDoc, Vec<Problem>), DocError> {
    let doc = parse_document(text)?;
    let report = validate(&doc);
    if report.is_valid() {
        Ok((doc, report.warnings))
    } else {
        Err(DocError::Invalid(report.errors))
    }
}
