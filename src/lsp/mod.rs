//! `rtm lsp`: a language server over standard input and output, so that
//! editors show rtm's findings as the requirements are typed, and complete,
//! navigate and rename ids. It reads the tree; it never writes: every edit
//! it offers goes back to the editor to apply.
//!
//! [`server`] runs the protocol, [`state`] holds the documents, [`tree`]
//! re-checks (the one place to swap for the incremental core), and the
//! features each have a module.

mod actions;
mod complete;
mod diagnostics;
mod ids;
mod navigate;
mod position;
mod server;
mod state;
mod transport;
mod tree;

pub use server::{Settings, run};
