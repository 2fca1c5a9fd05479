//! Importers of public benchmark formats into network documents.
pub mod willems;
