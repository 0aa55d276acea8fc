//! The wire: messages framed by `Content-Length` headers on standard input
//! and output. Reading runs on its own thread, so that the server can wait
//! for a message or for the debounce, whichever comes first.
//!
//! lsp-server's own stdio reader stops at the first malformed message; this
//! one reports it (the server answers with a parse error) and reads on.

use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc;

use lsp_server::Message;

/// The largest message read; a larger one is skipped.
const MAX_MESSAGE: usize = 256 << 20;

/// What the reader passes on.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// Something that is not a message: why.
    Malformed(String),
}

/// Reads messages from standard input on a thread of its own; the
/// channel closes at the end of the input. The server needs this thread
/// (it waits for input with a time limit): a refusal is an error.
pub fn spawn_reader() -> io::Result<mpsc::Receiver<Incoming>> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("lsp reader".into())
        .spawn(move || {
            let stdin = io::stdin();
            let mut input = stdin.lock();
            while let Some(item) = read(&mut input) {
                if tx.send(item).is_err() {
                    break;
                }
            }
        })
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot start the thread that reads the client: {e}"),
            )
        })?;
    Ok(rx)
}

/// The next message of the input, `None` at its end.
pub fn read(input: &mut impl BufRead) -> Option<Incoming> {
    let mut size: Option<usize> = None;
    let mut bad_header: Option<String> = None;
    // A header block without a Content-Length ends at its blank line too
    // (reported below), not after the body read as more headers.
    let mut headers = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if headers > 0 {
                break;
            }
            continue; // blank lines between messages
        }
        headers += 1;
        match header.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => size = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length: {value:?}")),
                }
            }
            Some(_) => {} // Content-Type and the like
            None => {
                let shown: String = header.chars().take(80).collect();
                bad_header = Some(format!("malformed header: {shown:?}"));
            }
        }
    }
    let size = match (size, bad_header) {
        (Some(n), None) => n,
        (_, Some(why)) => return Some(Incoming::Malformed(why)),
        (None, None) => return Some(Incoming::Malformed("no Content-Length".to_owned())),
    };
    if size > MAX_MESSAGE {
        let skipped = io::copy(&mut input.take(size as u64), &mut io::sink()).ok()?;
        if skipped < size as u64 {
            return None;
        }
        return Some(Incoming::Malformed(format!(
            "a message of {size} bytes, larger than {MAX_MESSAGE}, was skipped"
        )));
    }
    let mut body = vec![0; size];
    input.read_exact(&mut body).ok()?;
    let Ok(text) = String::from_utf8(body) else {
        return Some(Incoming::Malformed("the message is not UTF-8".to_owned()));
    };
    Some(match serde_json::from_str::<Message>(&text) {
        Ok(m) => Incoming::Message(m),
        Err(e) => Incoming::Malformed(format!("not a JSON-RPC message: {e}")),
    })
}

/// Writes messages to standard output.
pub struct Output {
    out: io::Stdout,
}

impl Output {
    pub fn new() -> Self {
        Output { out: io::stdout() }
    }

    pub fn send(&mut self, msg: impl Into<Message>) -> io::Result<()> {
        msg.into().write(&mut self.out.lock())
    }

    /// The answer to something that was not a message: a JSON-RPC parse
    /// error with a null id.
    pub fn parse_error(&mut self, why: &str) -> io::Result<()> {
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": { "code": lsp_server::ErrorCode::ParseError as i32, "message": why },
        })
        .to_string();
        let mut out = self.out.lock();
        write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &str) -> Vec<String> {
        let mut r = io::Cursor::new(input.as_bytes().to_vec());
        let mut out = Vec::new();
        while let Some(m) = read(&mut r) {
            out.push(match m {
                Incoming::Message(Message::Notification(n)) => n.method,
                Incoming::Message(_) => "other".to_owned(),
                Incoming::Malformed(why) => format!("malformed: {why}"),
            });
        }
        out
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn reads_on_after_malformed_messages() {
        let ok = frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#);
        let input = format!(
            "{}garbage\r\n\r\n{}Content-Length: x\r\n\r\n{ok}",
            frame("{not json"),
            ok
        );
        let got = all(&input);
        assert_eq!(got.len(), 5, "{got:?}");
        assert!(
            got[0].starts_with("malformed: not a JSON-RPC message"),
            "{got:?}"
        );
        assert!(got[1].starts_with("malformed: malformed header"), "{got:?}");
        assert_eq!(got[2], "initialized");
        assert!(
            got[3].starts_with("malformed: bad Content-Length"),
            "{got:?}"
        );
        assert_eq!(got[4], "initialized");
    }

    /// A header block with no Content-Length is reported at its blank
    /// line, and the messages after it are still read.
    #[test]
    fn a_header_block_without_a_length_is_reported_not_waited_on() {
        let ok = frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#);
        let input = format!("Content-Type: application/json\r\n\r\n{ok}");
        let got = all(&input);
        assert_eq!(got, ["malformed: no Content-Length", "initialized"]);
    }
}
