//! Renderers: each turns findings into one output format.

pub mod human;
pub mod json;
