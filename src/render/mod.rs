//! Renderers: each turns findings into one output format.

pub mod diff;
pub mod github;
pub mod gitlab;
pub mod graph;
pub mod human;
pub mod json;
pub mod sarif;
pub mod svg;

pub use crate::escape::{controls as escape_controls, is_hidden_control, push_escaped};
