//! Renderers: each turns findings into one output format.

pub mod diff;
pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod sarif;
