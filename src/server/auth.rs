//! Who may call what. Bearer tokens come from a JSON file, each bound to a
//! role; suppliers also to their enterprise. An interceptor turns the
//! `authorization` header into a [`Caller`] in the request's extensions, and
//! the services ask it before they touch anything.
//!
//! Without a token file the server is open (every caller may do everything)
//! and [`crate::server::run`] refuses any address but loopback.

use crate::server::status::{check_id, ServiceError};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use thiserror::Error;
use tonic::Request;

/// What a token may do.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase", tag = "role")]
pub enum Role {
    /// The chain leader's ERP: networks, plans, publishing.
    Erp,
    /// Planners: read networks, change capacity, solve, re-plan and run
    /// what-if scenarios. Promoting a scenario to the live network changes
    /// orders and the chain's policy, which is the ERP's to do: a planner
    /// token may do it only when granted (`"promote": true`).
    Planner {
        #[serde(default)]
        promote: bool,
    },
    /// One supplier enterprise: its own allocations, acknowledgements and
    /// capacity reports only.
    Supplier { enterprise: String },
}

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No token file: the server trusts every (loopback) caller.
    Open,
    /// A caller with a known token.
    Token(Role),
}

/// One entry of the token file. (serde cannot deny unknown fields beside a
/// flattened enum; the role's tag and fields are still checked.)
#[derive(Debug, Deserialize)]
struct TokenEntry {
    token: String,
    #[serde(flatten)]
    role: Role,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenFile {
    tokens: Vec<TokenEntry>,
}

/// Why the token file cannot be used.
#[derive(Debug, Error)]
pub enum AuthFileError {
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

/// The tokens the server accepts.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    by_token: Arc<HashMap<String, Role>>,
}

impl Tokens {
    /// Reads a token file:
    /// `{"tokens": [{"token": "...", "role": "erp"},
    ///              {"token": "...", "role": "supplier", "enterprise": "cast-co"}]}`.
    ///
    /// # Errors
    /// The file cannot be read, is not such a document, has an empty or
    /// repeated token, or a supplier without an enterprise.
    pub fn load(path: &Path) -> Result<Tokens, AuthFileError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| AuthFileError::Io {
            path: shown.clone(),
            source,
        })?;
        Tokens::parse(&text).map_err(|reason| AuthFileError::Invalid {
            path: shown,
            reason,
        })
    }

    /// Parses the text of a token file; see [`Tokens::load`].
    ///
    /// # Errors
    /// A reason naming the entry at fault.
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let file: TokenFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut by_token = HashMap::new();
        for (i, entry) in file.tokens.into_iter().enumerate() {
            if entry.token.trim().is_empty() {
                return Err(format!("tokens[{i}].token: empty"));
            }
            if let Role::Supplier { enterprise } = &entry.role {
                if enterprise.is_empty() {
                    return Err(format!("tokens[{i}].enterprise: empty"));
                }
            }
            if by_token.insert(entry.token, entry.role).is_some() {
                return Err(format!("tokens[{i}].token: repeated"));
            }
        }
        Ok(Tokens {
            by_token: Arc::new(by_token),
        })
    }

    /// Builds the set from pairs, for tests and embedders.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, Role)>) -> Tokens {
        Tokens {
            by_token: Arc::new(pairs.into_iter().collect()),
        }
    }

    fn role(&self, token: &str) -> Option<&Role> {
        self.by_token.get(token)
    }
}

/// The interceptor in front of every service: `None` is the open server.
#[derive(Debug, Clone)]
pub struct Authenticator {
    tokens: Option<Tokens>,
}

impl Authenticator {
    pub fn new(tokens: Option<Tokens>) -> Authenticator {
        Authenticator { tokens }
    }

    /// Puts the [`Caller`] into the request, or refuses it with
    /// UNAUTHENTICATED when the token is missing or unknown.
    /// # Errors
    /// UNAUTHENTICATED as above.
    pub fn intercept(&self, mut request: Request<()>) -> Result<Request<()>, ServiceError> {
        let caller = match &self.tokens {
            None => Caller::Open,
            Some(tokens) => {
                let refused = |why: &str| ServiceError::Unauthenticated(why.into());
                let header = request
                    .metadata()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| refused("missing bearer token"))?;
                let token = header
                    .strip_prefix("Bearer ")
                    .ok_or_else(|| refused("expected \"Bearer <token>\""))?;
                let role = tokens
                    .role(token.trim())
                    .ok_or_else(|| refused("unknown token"))?;
                Caller::Token(role.clone())
            }
        };
        request.extensions_mut().insert(caller);
        Ok(request)
    }
}

/// What a call needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Writes to networks and publishing: the ERP.
    Erp,
    /// Reading networks, capacity changes, solving: the ERP or a planner.
    ErpOrPlanner,
    /// Promoting a scenario to the live network: the ERP, or a planner
    /// granted it.
    Promote,
}

impl Caller {
    /// The caller from a request the interceptor has seen. A request that
    /// bypassed it (a wiring bug) is treated as having no rights at all.
    pub fn of<T>(request: &Request<T>) -> Caller {
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .unwrap_or(Caller::Token(Role::Supplier {
                enterprise: String::new(),
            }))
    }

    /// Checks an ERP or planner call.
    ///
    /// # Errors
    /// PERMISSION_DENIED for suppliers, and for planners on ERP-only calls.
    pub fn require(&self, need: Need) -> Result<(), ServiceError> {
        let allowed = match (self, need) {
            (Caller::Open, _) => true,
            (Caller::Token(Role::Erp), _) => true,
            (Caller::Token(Role::Planner { .. }), Need::ErpOrPlanner) => true,
            (Caller::Token(Role::Planner { promote }), Need::Promote) => *promote,
            (Caller::Token(Role::Planner { .. }), Need::Erp) => false,
            (Caller::Token(Role::Supplier { .. }), _) => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(ServiceError::PermissionDenied(
                "this call is not open to your role".into(),
            ))
        }
    }

    /// Whether the caller is a supplier, which may learn nothing beyond its
    /// own enterprise.
    pub fn is_supplier(&self) -> bool {
        matches!(self, Caller::Token(Role::Supplier { .. }))
    }

    /// The supplier enterprise a supplier call acts for: the token's own,
    /// which the request may repeat but not change. ERP, planners and the
    /// open server may act for any enterprise they name (watching only;
    /// see [`Caller::supplier_write`]).
    ///
    /// # Errors
    /// PERMISSION_DENIED when a supplier names another enterprise, without
    /// saying whether it exists; INVALID_ARGUMENT when no enterprise can be
    /// told.
    pub fn supplier_watch(&self, requested: &str) -> Result<String, ServiceError> {
        match self {
            Caller::Token(Role::Supplier { enterprise }) => {
                if requested.is_empty() || requested == enterprise {
                    Ok(enterprise.clone())
                } else {
                    Err(ServiceError::PermissionDenied(
                        "a supplier may act for its own enterprise only".into(),
                    ))
                }
            }
            _ if requested.is_empty() => Err(ServiceError::invalid(
                "enterprise",
                "required when the caller is not a supplier",
            )),
            _ => {
                check_id("enterprise", requested)?;
                Ok(requested.to_string())
            }
        }
    }

    /// As [`Caller::supplier_watch`], for acknowledging and reporting, which
    /// only the supplier itself (or the open server) may do.
    ///
    /// # Errors
    /// PERMISSION_DENIED for the ERP and planners, and for a supplier naming
    /// another enterprise.
    pub fn supplier_write(&self, requested: &str) -> Result<String, ServiceError> {
        match self {
            Caller::Token(Role::Erp | Role::Planner { .. }) => Err(ServiceError::PermissionDenied(
                "only the supplier itself may acknowledge or report".into(),
            )),
            _ => self.supplier_watch(requested),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Status;

    fn supplier(e: &str) -> Caller {
        Caller::Token(Role::Supplier {
            enterprise: e.into(),
        })
    }

    #[test]
    fn token_file_parses_roles_and_rejects_repeats() {
        let t = Tokens::parse(
            r#"{"tokens":[{"token":"a","role":"erp"},{"token":"b","role":"supplier","enterprise":"x"}]}"#,
        )
        .unwrap();
        assert_eq!(t.role("a"), Some(&Role::Erp));
        assert_eq!(
            t.role("b"),
            Some(&Role::Supplier {
                enterprise: "x".into()
            })
        );
        let err = Tokens::parse(
            r#"{"tokens":[{"token":"a","role":"erp"},{"token":"a","role":"planner"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err, "tokens[1].token: repeated");
        assert!(Tokens::parse(r#"{"tokens":[{"token":"a","role":"supplier"}]}"#).is_err());
        let t = Tokens::parse(
            r#"{"tokens":[{"token":"p","role":"planner"},{"token":"q","role":"planner","promote":true}]}"#,
        )
        .unwrap();
        assert_eq!(t.role("p"), Some(&Role::Planner { promote: false }));
        assert_eq!(t.role("q"), Some(&Role::Planner { promote: true }));
        assert!(Tokens::parse(r#"{"tokens":[{"token":"a","role":"root"}]}"#).is_err());
    }

    #[test]
    fn a_supplier_acts_for_itself_only() {
        let a = supplier("a");
        assert_eq!(a.supplier_watch("").unwrap(), "a");
        assert_eq!(a.supplier_write("a").unwrap(), "a");
        let denied = Status::from(a.supplier_watch("b").unwrap_err());
        assert_eq!(denied.code(), tonic::Code::PermissionDenied);
        assert!(!denied.message().contains('b'));
        assert_eq!(
            Status::from(a.require(Need::ErpOrPlanner).unwrap_err()).code(),
            tonic::Code::PermissionDenied
        );
    }

    #[test]
    fn erp_and_planner_rights() {
        let erp = Caller::Token(Role::Erp);
        let planner = Caller::Token(Role::Planner { promote: false });
        let promoter = Caller::Token(Role::Planner { promote: true });
        assert!(erp.require(Need::Erp).is_ok());
        assert!(erp.require(Need::Promote).is_ok());
        assert!(planner.require(Need::ErpOrPlanner).is_ok());
        assert!(planner.require(Need::Erp).is_err());
        assert!(planner.require(Need::Promote).is_err());
        assert!(promoter.require(Need::Promote).is_ok());
        assert!(promoter.require(Need::Erp).is_err());
        assert!(supplier("a").require(Need::Promote).is_err());
        assert_eq!(planner.supplier_watch("a").unwrap(), "a");
        assert!(planner.supplier_write("a").is_err());
        assert!(Caller::Open.supplier_write("a").is_ok());
    }

    #[test]
    fn interceptor_wants_a_known_bearer_token() {
        let auth = Authenticator::new(Some(Tokens::from_pairs([("t".to_string(), Role::Erp)])));
        let bare = Status::from(auth.intercept(Request::new(())).unwrap_err());
        assert_eq!(bare.code(), tonic::Code::Unauthenticated);
        let mut req = Request::new(());
        req.metadata_mut()
            .insert("authorization", "Bearer nope".parse().unwrap());
        assert!(auth.intercept(req).is_err());
        let mut req = Request::new(());
        req.metadata_mut()
            .insert("authorization", "Bearer t".parse().unwrap());
        let req = auth.intercept(req).unwrap();
        assert_eq!(Caller::of(&req), Caller::Token(Role::Erp));
    }
}
