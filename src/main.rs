use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

mod cli;

use cli::{CheckArgs, Cli, Color, Command, Format, SchemaKind};
use rtm::render;
use rtm::rules::{RULES, lookup};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(&args),
        Command::Explain { rule } => explain(&rule),
        Command::Rules => rules(),
        Command::Schema { which } => schema(which),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rtm: {e}");
            ExitCode::from(2)
        }
    }
}

type Result = std::result::Result<ExitCode, Box<dyn std::error::Error>>;

fn check(args: &CheckArgs) -> Result {
    let checked = rtm::check(&args.tree)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            let root = args.tree.to_string_lossy();
            render::json::write(&mut out, &root, &checked)?;
        }
        Format::Human => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            let style = render::human::Style { color, width: 100 };
            render::human::write(&mut out, &checked, style)?;
        }
    }
    out.flush()?;
    let c = checked.counts();
    let fail = c.errors > 0 || (args.deny_warnings && c.warnings > 0);
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn explain(name: &str) -> Result {
    match lookup(name) {
        Some((_, rule)) => {
            print!("{}", rule.doc);
            Ok(ExitCode::SUCCESS)
        }
        None => Err(format!("unknown rule `{name}` (`rtm rules` lists every rule)").into()),
    }
}

fn rules() -> Result {
    let mut out = std::io::stdout().lock();
    for r in RULES {
        writeln!(
            out,
            "{}  {:<32} {:<8} {}",
            r.code, r.name, r.default, r.summary
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn schema(which: SchemaKind) -> Result {
    let schema = match which {
        SchemaKind::Node => rtm::schema::node(),
        SchemaKind::Config => rtm::schema::config(),
    };
    print!("{}", rtm::schema::to_text(&schema));
    Ok(ExitCode::SUCCESS)
}
