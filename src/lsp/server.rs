//! The server loop: the handshake, then every message in turn, with the
//! re-check and its diagnostics held back until the edits pause.

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    CompletionOptions, CompletionParams, CompletionResponse, DidChangeTextDocumentParams,
    DidChangeWatchedFilesParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, DocumentFormattingParams, DocumentSymbolParams,
    DocumentSymbolResponse, FileChangeType, GotoDefinitionParams, GotoDefinitionResponse,
    HoverParams, HoverProviderCapability, InitializeParams, InitializeResult, LogMessageParams,
    MessageType, OneOf, PositionEncodingKind, ReferenceParams, RenameOptions, RenameParams,
    SaveOptions, ServerCapabilities, ServerInfo, TextDocumentPositionParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Url, WorkspaceSymbolParams,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::position::{Encoding, LineIndex};
use super::state::{Doc, State};
use super::transport::{Incoming, Output, spawn_reader};
use super::tree::Tree;
use super::{actions, complete, diagnostics, navigate};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The tree to serve; default: found from the workspace folder.
    pub tree: Option<PathBuf>,
    /// How long edits must pause before the tree is checked again.
    pub debounce: Duration,
    pub options: crate::Options,
}

/// Serves one client on standard input and output until it says `exit`
/// (true when it asked to `shutdown` first) or its input ends (false).
pub fn run(settings: &Settings) -> io::Result<bool> {
    let rx = spawn_reader()?;
    let mut out = Output::new();
    let Some((id, params)) = handshake(&rx, &mut out)? else {
        return Ok(false);
    };
    let encoding = encoding(&params);
    let (root, tree, problem) = open(settings, &params);
    let mut server = Server {
        state: State::new(root, tree, encoding),
        out,
        settings: settings.clone(),
        deadline: None,
        shutdown: false,
    };
    server
        .out
        .send(Response::new_ok(id, capabilities(encoding)))?;
    if let Some(p) = problem {
        server.log(MessageType::WARNING, &p)?;
    }
    server.serve(&rx)
}

/// Waits for `initialize`, answering anything before it as the protocol
/// says. `None` when the input ends or the client exits first.
fn handshake(
    rx: &Receiver<Incoming>,
    out: &mut Output,
) -> io::Result<Option<(RequestId, InitializeParams)>> {
    while let Ok(item) = rx.recv() {
        match item {
            Incoming::Malformed(why) => out.parse_error(&why)?,
            Incoming::Message(Message::Request(req)) if req.method == "initialize" => {
                match serde_json::from_value::<InitializeParams>(req.params) {
                    Ok(p) => return Ok(Some((req.id, p))),
                    Err(e) => out.send(Response::new_err(
                        req.id,
                        ErrorCode::InvalidParams as i32,
                        format!("initialize: {e}"),
                    ))?,
                }
            }
            Incoming::Message(Message::Request(req)) => out.send(Response::new_err(
                req.id,
                ErrorCode::ServerNotInitialized as i32,
                "the server is not initialized yet".to_owned(),
            ))?,
            Incoming::Message(Message::Notification(n)) if n.method == "exit" => return Ok(None),
            Incoming::Message(_) => {}
        }
    }
    Ok(None)
}

/// UTF-8 positions when the client offers them, else UTF-16.
fn encoding(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    if offered.is_some_and(|e| e.contains(&PositionEncodingKind::UTF8)) {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

/// The tree's folder (absolute) and the tree, found from the settings or
/// the workspace folder as `rtm check` finds it; or why there is none.
#[allow(deprecated)] // `root_path`: old clients send only that.
fn open(
    settings: &Settings,
    params: &InitializeParams,
) -> (Option<PathBuf>, Option<Tree>, Option<String>) {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let folder = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .and_then(|f| f.uri.to_file_path().ok())
        .or_else(|| params.root_uri.as_ref().and_then(|u| u.to_file_path().ok()))
        .or_else(|| params.root_path.as_ref().map(PathBuf::from))
        .unwrap_or_else(|| cwd.clone());
    let found = match &settings.tree {
        Some(t) => Ok(cwd.join(t)),
        None => crate::discover::find_tree(&folder).map(|t| folder.join(t)),
    };
    let root = match found {
        Ok(r) => normal(&r),
        Err(e) => return (None, None, Some(format!("rtm: {e}"))),
    };
    match Tree::open(&root, &settings.options) {
        Ok(tree) => (Some(root), Some(tree), None),
        Err(e) => (Some(root), None, Some(format!("rtm: {e}"))),
    }
}

/// A path without `.` and `..` steps (links are not resolved: the client
/// names files as it sees them).
fn normal(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn capabilities(encoding: Encoding) -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(match encoding {
                Encoding::Utf8 => PositionEncodingKind::UTF8,
                Encoding::Utf16 => PositionEncodingKind::UTF16,
            }),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                        include_text: Some(false),
                    })),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(
                    ["\"", "[", ",", ":"]
                        .iter()
                        .map(|s| (*s).to_owned())
                        .collect(),
                ),
                ..CompletionOptions::default()
            }),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: Default::default(),
            })),
            document_symbol_provider: Some(OneOf::Left(true)),
            workspace_symbol_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![
                    CodeActionKind::QUICKFIX,
                    CodeActionKind::new("source.format.rtm"),
                ]),
                ..CodeActionOptions::default()
            })),
            document_formatting_provider: Some(OneOf::Left(true)),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "rtm".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    }
}

struct Server {
    state: State,
    out: Output,
    settings: Settings,
    /// When to check the tree again, after the last edit.
    deadline: Option<Instant>,
    shutdown: bool,
}

/// A request's answer: its result, or an error code and message.
type Answer = Result<Value, (ErrorCode, String)>;

impl Server {
    fn serve(&mut self, rx: &Receiver<Incoming>) -> io::Result<bool> {
        loop {
            let item = match self.deadline {
                Some(d) => match rx.recv_timeout(d.saturating_duration_since(Instant::now())) {
                    Ok(item) => item,
                    Err(RecvTimeoutError::Timeout) => {
                        self.deadline = None;
                        self.recheck()?;
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return Ok(false),
                },
                None => match rx.recv() {
                    Ok(item) => item,
                    Err(_) => return Ok(false),
                },
            };
            let msg = match item {
                Incoming::Malformed(why) => {
                    eprintln!("rtm lsp: {why}");
                    self.out.parse_error(&why)?;
                    continue;
                }
                Incoming::Message(m) => m,
            };
            match msg {
                Message::Notification(n) if n.method == "exit" => return Ok(self.shutdown),
                Message::Notification(n) => {
                    let method = n.method.clone();
                    match catch_unwind(AssertUnwindSafe(|| self.notification(n))) {
                        Ok(r) => r?,
                        Err(_) => self.log(
                            MessageType::ERROR,
                            &format!("rtm: internal error handling {method}"),
                        )?,
                    }
                }
                Message::Request(req) => {
                    let id = req.id.clone();
                    let answer = match catch_unwind(AssertUnwindSafe(|| self.request(req))) {
                        Ok(a) => a,
                        Err(_) => Err((ErrorCode::InternalError, "internal error".to_owned())),
                    };
                    let response = match answer {
                        Ok(v) => Response {
                            id,
                            response_result: Ok(v),
                        },
                        Err((code, message)) => Response::new_err(id, code as i32, message),
                    };
                    self.out.send(response)?;
                }
                Message::Response(_) => {} // the server sends no requests
            }
        }
    }

    fn log(&mut self, typ: MessageType, message: &str) -> io::Result<()> {
        self.out.send(Notification::new(
            "window/logMessage".to_owned(),
            LogMessageParams {
                typ,
                message: message.to_owned(),
            },
        ))
    }

    /// Sends the changed texts to the tree and publishes what changed.
    fn recheck(&mut self) -> io::Result<()> {
        self.state.flush();
        for params in diagnostics::changes(&mut self.state) {
            self.out.send(Notification::new(
                "textDocument/publishDiagnostics".to_owned(),
                params,
            ))?;
        }
        Ok(())
    }

    /// A file changed: check again once the edits pause (`delay`), or at
    /// once (`None`).
    fn touched(&mut self, rel: String, delay: Option<Duration>) {
        self.state.pending.insert(rel);
        let at = Instant::now() + delay.unwrap_or_default();
        self.deadline = Some(match (self.deadline, delay) {
            (Some(d), None) => d.min(at),
            _ => at,
        });
    }

    /// The path of a document in the tree, or a log message saying why it
    /// is not served.
    fn rel_or_log(&mut self, uri: &Url) -> io::Result<Option<String>> {
        if let Some(rel) = self.state.rel(uri) {
            return Ok(Some(rel));
        }
        let why = match &self.state.root {
            Some(root) => format!(
                "rtm: {uri} is not a node file of the tree at {}; it is not checked",
                root.display()
            ),
            None => format!("rtm: no requirement tree is open, so {uri} is not checked"),
        };
        self.log(MessageType::INFO, &why)?;
        Ok(None)
    }

    fn notification(&mut self, n: Notification) -> io::Result<()> {
        let method = n.method.clone();
        match method.as_str() {
            "initialized" => self.recheck(),
            "textDocument/didOpen" => {
                let Some(p) = self.params::<DidOpenTextDocumentParams>(&method, n.params)? else {
                    return Ok(());
                };
                let uri = p.text_document.uri;
                self.state.docs.insert(
                    uri.clone(),
                    Doc {
                        text: p.text_document.text,
                        version: p.text_document.version,
                    },
                );
                if let Some(rel) = self.rel_or_log(&uri)? {
                    self.touched(rel, None);
                }
                Ok(())
            }
            "textDocument/didChange" => {
                let Some(p) = self.params::<DidChangeTextDocumentParams>(&method, n.params)? else {
                    return Ok(());
                };
                let uri = p.text_document.uri;
                let encoding = self.state.encoding;
                let Some(doc) = self.state.docs.get_mut(&uri) else {
                    return self.log(
                        MessageType::WARNING,
                        &format!("rtm: {uri} changed but was never opened"),
                    );
                };
                for change in p.content_changes {
                    match change.range {
                        None => doc.text = change.text,
                        Some(range) => {
                            let ix = LineIndex::new(&doc.text);
                            let start = ix.offset(&doc.text, range.start, encoding);
                            let end = ix.offset(&doc.text, range.end, encoding).max(start);
                            doc.text.replace_range(start..end, &change.text);
                        }
                    }
                }
                doc.version = p.text_document.version;
                if let Some(rel) = self.state.rel(&uri) {
                    let delay = self.settings.debounce;
                    self.touched(rel, Some(delay));
                }
                Ok(())
            }
            "textDocument/didSave" => {
                let Some(p) = self.params::<DidSaveTextDocumentParams>(&method, n.params)? else {
                    return Ok(());
                };
                let uri = p.text_document.uri;
                if let (Some(text), Some(doc)) = (p.text, self.state.docs.get_mut(&uri)) {
                    doc.text = text;
                }
                if let Some(rel) = self.state.rel(&uri) {
                    self.touched(rel, None);
                }
                Ok(())
            }
            "textDocument/didClose" => {
                let Some(p) = self.params::<DidCloseTextDocumentParams>(&method, n.params)? else {
                    return Ok(());
                };
                let uri = p.text_document.uri;
                self.state.docs.remove(&uri);
                if let Some(rel) = self.state.rel(&uri) {
                    // The file as it is on disk again, or gone.
                    self.touched(rel, None);
                }
                Ok(())
            }
            "workspace/didChangeWatchedFiles" => {
                let Some(p) = self.params::<DidChangeWatchedFilesParams>(&method, n.params)? else {
                    return Ok(());
                };
                for change in p.changes {
                    let Some(rel) = self.state.rel(&change.uri) else {
                        continue;
                    };
                    if self.state.docs.contains_key(&change.uri) {
                        if change.typ == FileChangeType::DELETED {
                            self.log(
                                MessageType::INFO,
                                &format!("rtm: {rel} was deleted while open; it is checked as the editor holds it until it is closed"),
                            )?;
                        }
                        continue; // the editor's text wins while it is open
                    }
                    self.touched(rel, None);
                }
                Ok(())
            }
            _ => Ok(()), // $/cancelRequest, $/setTrace and the like
        }
    }

    /// A notification's parameters, or a log message saying they were not
    /// understood.
    fn params<P: DeserializeOwned>(
        &mut self,
        method: &str,
        params: Value,
    ) -> io::Result<Option<P>> {
        match serde_json::from_value(params) {
            Ok(p) => Ok(Some(p)),
            Err(e) => {
                self.log(
                    MessageType::ERROR,
                    &format!("rtm: {method}: bad parameters: {e}"),
                )?;
                Ok(None)
            }
        }
    }

    fn request(&mut self, req: Request) -> Answer {
        if self.shutdown {
            return Err((
                ErrorCode::InvalidRequest,
                "the server is shutting down".to_owned(),
            ));
        }
        if req.method == "shutdown" {
            self.shutdown = true;
            return Ok(Value::Null);
        }
        // Answer from the tree as the editor has it now; completion reads
        // the text being typed itself, and needs no check of every
        // keystroke.
        if !self.state.pending.is_empty() && req.method != "textDocument/completion" {
            self.deadline = None;
            self.recheck()
                .map_err(|e| (ErrorCode::InternalError, e.to_string()))?;
        }
        let s = &self.state;
        let method = req.method.as_str();
        match method {
            "textDocument/definition" => {
                let p: GotoDefinitionParams = parse(req.params)?;
                let at = p.text_document_position_params;
                let locs = navigate::definition(s, &at.text_document.uri, at.position);
                to_value((!locs.is_empty()).then_some(GotoDefinitionResponse::Array(locs)))
            }
            "textDocument/references" => {
                let p: ReferenceParams = parse(req.params)?;
                let at = p.text_document_position;
                to_value(navigate::references(
                    s,
                    &at.text_document.uri,
                    at.position,
                    p.context.include_declaration,
                ))
            }
            "textDocument/hover" => {
                let p: HoverParams = parse(req.params)?;
                let at = p.text_document_position_params;
                to_value(navigate::hover(s, &at.text_document.uri, at.position))
            }
            "textDocument/completion" => {
                let p: CompletionParams = parse(req.params)?;
                let at = p.text_document_position;
                let uri = &at.text_document.uri;
                let text = match s.docs.get(uri) {
                    Some(d) => d.text.as_str(),
                    None => s.file(uri).map_or("", |(_, src)| src.text.as_str()),
                };
                let offset = LineIndex::new(text).offset(text, at.position, s.encoding);
                let checked = s.tree.as_ref().map(Tree::checked);
                let items = complete::slot(text, offset)
                    .map(|slot| complete::items(checked, text, &slot))
                    .unwrap_or_default();
                to_value(CompletionResponse::Array(items))
            }
            "textDocument/prepareRename" => {
                let p: TextDocumentPositionParams = parse(req.params)?;
                to_value(navigate::prepare_rename(
                    s,
                    &p.text_document.uri,
                    p.position,
                ))
            }
            "textDocument/rename" => {
                let p: RenameParams = parse(req.params)?;
                let at = p.text_document_position;
                navigate::rename(s, &at.text_document.uri, at.position, &p.new_name)
                    .map_err(|why| (ErrorCode::InvalidParams, why))
                    .and_then(to_value)
            }
            "textDocument/documentSymbol" => {
                let p: DocumentSymbolParams = parse(req.params)?;
                to_value(DocumentSymbolResponse::Nested(navigate::document_symbols(
                    s,
                    &p.text_document.uri,
                )))
            }
            "workspace/symbol" => {
                let p: WorkspaceSymbolParams = parse(req.params)?;
                to_value(navigate::workspace_symbols(s, &p.query))
            }
            "textDocument/codeAction" => {
                let p: CodeActionParams = parse(req.params)?;
                to_value(actions::actions(
                    s,
                    &p.text_document.uri,
                    p.range,
                    p.context.only.as_deref(),
                ))
            }
            "textDocument/formatting" => {
                let p: DocumentFormattingParams = parse(req.params)?;
                to_value(actions::format(s, &p.text_document.uri))
            }
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("unknown method {method}"),
            )),
        }
    }
}

fn parse<P: DeserializeOwned>(params: Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(params)
        .map_err(|e| (ErrorCode::InvalidParams, format!("bad parameters: {e}")))
}

fn to_value(v: impl serde::Serialize) -> Answer {
    serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}
