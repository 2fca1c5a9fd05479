//! Sources of network documents other than a caller: importers of public
//! benchmark formats (Willems' chains, Trigeiro and Tempelmeier-Derstroff
//! lot sizing) and the generator of synthetic chains.
pub mod generate;
pub mod mlclsp;
pub mod trigeiro;
pub mod willems;
