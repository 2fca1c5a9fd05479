//! Importers of public benchmark formats into network documents.
pub mod mlclsp;
pub mod trigeiro;
pub mod willems;
