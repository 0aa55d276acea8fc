//! XHTML (a ReqIF `ATTRIBUTE-VALUE-XHTML`) to Markdown, fed event by event
//! by the parser, without recursion (nesting is bounded by the parser).
//!
//! What rtm itself exports (`<xhtml:div class="rtm-markdown">`, one `p`
//! per paragraph, `br` per line break, the Markdown as text) is read back
//! verbatim, so that a text survives export then import unchanged. Other
//! XHTML is converted: paragraphs, headings, lists, emphasis, links, line
//! breaks, preformatted text and tables; an embedded `object` or `img`
//! becomes a placeholder naming the attachment (`[attachment: file.png]`).

/// The class rtm gives the `div` of a text it exports.
pub const RTM_CLASS: &str = "rtm-markdown";

#[derive(Debug, Default)]
pub struct Markdown {
    out: String,
    started: bool,
    verbatim: bool,
    first_paragraph: bool,
    /// Open lists: `None` for `ul`, `Some(n)` for `ol` (the last number).
    lists: Vec<Option<u32>>,
    /// Open links: their `href`.
    links: Vec<Option<String>>,
    pre: usize,
    /// Inside an `object`: its fallback content is not read.
    skip: usize,
    /// A space is due before the next word.
    space: bool,
    /// The attachments named by `object` and `img`.
    pub attachments: Vec<String>,
}

impl Markdown {
    pub fn new() -> Self {
        Markdown {
            first_paragraph: true,
            ..Markdown::default()
        }
    }

    /// An element starts; `attr` gives its attributes by local name.
    pub fn start(&mut self, name: &str, attr: &dyn Fn(&str) -> Option<String>) {
        if self.skip > 0 {
            self.skip += 1;
            return;
        }
        if !self.started {
            self.started = true;
            if name == "div"
                && attr("class").is_some_and(|c| c.split_whitespace().any(|c| c == RTM_CLASS))
            {
                self.verbatim = true;
                return;
            }
        }
        if self.verbatim {
            match name {
                "p" => {
                    if !self.first_paragraph {
                        self.out.push_str("\n\n");
                    }
                    self.first_paragraph = false;
                }
                "br" => self.out.push('\n'),
                _ => {}
            }
            return;
        }
        match name {
            "p" | "div" | "blockquote" | "table" => self.block(),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.block();
                let n = name
                    .get(1..)
                    .and_then(|d| d.parse::<usize>().ok())
                    .unwrap_or(1);
                self.out.push_str(&"#".repeat(n));
                self.out.push(' ');
            }
            "pre" => {
                self.block();
                self.out.push_str("```\n");
                self.pre += 1;
            }
            "ul" | "ol" => {
                if self.lists.is_empty() {
                    self.block();
                }
                self.lists.push((name == "ol").then_some(0));
            }
            "li" => {
                self.newline();
                let depth = self.lists.len().saturating_sub(1);
                self.out.push_str(&"  ".repeat(depth));
                match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        self.out.push_str(&format!("{n}. "));
                    }
                    _ => self.out.push_str("- "),
                }
            }
            "br" => {
                if self.pre > 0 {
                    self.out.push('\n');
                } else {
                    self.newline_hard();
                }
            }
            "tr" => self.newline(),
            "td" | "th" => {
                self.flush_space();
                self.out.push_str("| ");
            }
            "b" | "strong" => self.inline("**"),
            "i" | "em" => self.inline("*"),
            "code" if self.pre == 0 => self.inline("`"),
            "a" => {
                self.inline("[");
                self.links.push(attr("href"));
            }
            "object" => {
                let name = attr("data")
                    .or_else(|| attr("name"))
                    .unwrap_or_else(|| "object".to_owned());
                self.inline(&format!("[attachment: {name}]"));
                self.attachments.push(name);
                self.skip = 1;
            }
            "img" => {
                let name = attr("src")
                    .or_else(|| attr("alt"))
                    .unwrap_or_else(|| "image".to_owned());
                self.inline(&format!("[image: {name}]"));
                self.attachments.push(name);
            }
            _ => {}
        }
    }

    pub fn end(&mut self, name: &str) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        if self.verbatim {
            return;
        }
        match name {
            "p" | "div" | "blockquote" | "table" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.block();
            }
            "pre" => {
                if !self.out.ends_with('\n') {
                    self.out.push('\n');
                }
                self.out.push_str("```");
                self.pre = self.pre.saturating_sub(1);
                self.block();
            }
            "ul" | "ol" => {
                self.lists.pop();
                if self.lists.is_empty() {
                    self.block();
                }
            }
            "td" | "th" => self.out.push_str(" |"),
            "b" | "strong" => self.out.push_str("**"),
            "i" | "em" => self.out.push('*'),
            "code" if self.pre == 0 => self.out.push('`'),
            "a" => match self.links.pop() {
                Some(Some(href)) => self.out.push_str(&format!("]({href})")),
                _ => self.out.push(']'),
            },
            _ => {}
        }
    }

    pub fn text(&mut self, s: &str) {
        if self.skip > 0 {
            return;
        }
        if self.verbatim || self.pre > 0 {
            self.out.push_str(s);
            return;
        }
        for c in s.chars() {
            if c.is_whitespace() {
                self.space = true;
            } else {
                self.flush_space();
                self.out.push(c);
            }
        }
    }

    /// The Markdown.
    pub fn finish(self) -> String {
        if self.verbatim {
            return self.out;
        }
        let mut out = String::with_capacity(self.out.len());
        let mut blank = 0;
        for line in self.out.trim().lines() {
            let line = line.trim_end();
            if line.is_empty() {
                blank += 1;
                if blank > 1 {
                    continue;
                }
            } else {
                blank = 0;
            }
            out.push_str(line);
            out.push('\n');
        }
        out.trim_end().to_owned()
    }

    fn flush_space(&mut self) {
        if self.space && !self.out.is_empty() && !self.out.ends_with([' ', '\n']) {
            self.out.push(' ');
        }
        self.space = false;
    }

    fn inline(&mut self, mark: &str) {
        self.flush_space();
        self.out.push_str(mark);
    }

    fn trim_spaces(&mut self) {
        let len = self.out.trim_end_matches(' ').len();
        self.out.truncate(len);
        self.space = false;
    }

    fn newline(&mut self) {
        self.trim_spaces();
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn newline_hard(&mut self) {
        self.trim_spaces();
        self.out.push('\n');
    }

    fn block(&mut self) {
        if !self.lists.is_empty() {
            return self.newline();
        }
        self.trim_spaces();
        if self.out.is_empty() {
            return;
        }
        while !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }
}

/// The first line of a Markdown text, as a plain title: without a heading's
/// `#`s, trimmed; `None` when the text has no words.
pub fn first_line(markdown: &str) -> Option<String> {
    markdown
        .split(crate::decode::LINE_BREAKS)
        .map(|l| l.trim().trim_start_matches('#').trim())
        .find(|l| !l.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::Markdown;

    fn convert(events: &[(&str, &str)]) -> String {
        let mut md = Markdown::new();
        for (ev, v) in events {
            match *ev {
                "s" => md.start(v, &|_| None),
                "e" => md.end(v),
                _ => md.text(v),
            }
        }
        md.finish()
    }

    #[test]
    fn paragraphs_lists_and_emphasis() {
        let md = convert(&[
            ("s", "div"),
            ("s", "p"),
            ("t", " Hello  "),
            ("s", "b"),
            ("t", "bold"),
            ("e", "b"),
            ("t", " world"),
            ("e", "p"),
            ("s", "ul"),
            ("s", "li"),
            ("t", "one"),
            ("e", "li"),
            ("s", "li"),
            ("t", "two"),
            ("e", "li"),
            ("e", "ul"),
            ("e", "div"),
        ]);
        assert_eq!(md, "Hello **bold** world\n\n- one\n- two");
    }
}
