//! The checked tree behind the server: the incremental core. An edit
//! re-reads only the file it changed (see [`crate::workspace`]); the server
//! debounces edits and sends them here once they pause.

pub use crate::workspace::Workspace as Tree;
