//! `bramka count`: encoding, units and parts of a text, as a summary or JSON.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use bramka_core::encoding::{self, Analysis, NationalLanguage, Policy, Transliteration};
use clap::{Args, ValueEnum};
use serde_json::json;

use crate::failure::USAGE;
use crate::input::read_stdin;

/// Arguments of `bramka count`.
#[derive(Debug, Args)]
pub(crate) struct CountArgs {
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    json: bool,
    /// Part cap, 1 to 255 (default 7); over it the command exits with 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=255))]
    max_parts: Option<u8>,
    /// Replace characters GSM-7 lacks (ą -> a, “ -> ", NBSP -> space), keep é ü ñ Ä.
    #[arg(long, conflicts_with = "ascii")]
    transliterate: bool,
    /// Replace everything outside ASCII.
    #[arg(long)]
    ascii: bool,
    /// Allow a national language's GSM-7 shift tables.
    #[arg(long, value_enum, value_name = "LANG")]
    language: Option<Language>,
    /// Do not compose the text to Unicode NFC first.
    #[arg(long)]
    no_nfc: bool,
    /// The text; `-` (or nothing, with input piped) reads standard input, without one trailing
    /// newline.
    #[arg(value_name = "TEXT")]
    text: Option<String>,
}

/// National languages with GSM-7 shift tables.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Language {
    /// Turkish.
    Tr,
    /// Spanish.
    Es,
    /// Portuguese.
    Pt,
}

impl From<Language> for NationalLanguage {
    fn from(l: Language) -> Self {
        match l {
            Language::Tr => NationalLanguage::Turkish,
            Language::Es => NationalLanguage::Spanish,
            Language::Pt => NationalLanguage::Portuguese,
        }
    }
}

impl CountArgs {
    fn policy(&self) -> Policy {
        let transliteration = if self.ascii {
            Transliteration::Ascii
        } else if self.transliterate {
            Transliteration::Gsm7Safe
        } else {
            Transliteration::Keep
        };
        Policy::default()
            .with_max_parts(self.max_parts.unwrap_or(Policy::default().max_parts))
            .with_transliteration(transliteration)
            .with_language(self.language.map(NationalLanguage::from))
            .with_nfc(!self.no_nfc)
    }

    /// The text from the argument or standard input.
    fn text(&self) -> Result<String, String> {
        match self.text.as_deref() {
            Some("-") => read_stdin(),
            Some(text) => Ok(text.to_owned()),
            None if std::io::stdin().is_terminal() => {
                Err("no TEXT given (pass the text, or `-` to read standard input)".to_owned())
            }
            None => read_stdin(),
        }
    }
}

/// Runs `bramka count`.
pub(crate) fn run(args: &CountArgs) -> ExitCode {
    let text = match args.text() {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let analysis = encoding::analyze(&text, &args.policy());
    let out = if args.json { to_json(&analysis).to_string() + "\n" } else { summary(&analysis) };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`bramka count ... | head`) is not an error worth a panic.
    let _ = stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush());
    match analysis.ensure_fits() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The JSON object printed by `--json`.
pub(crate) fn to_json(a: &Analysis) -> serde_json::Value {
    let parts: Vec<_> = a.parts().iter().map(|p| json!({ "text": p.text, "units": p.units })).collect();
    let replaced: Vec<_> = a
        .replacements()
        .iter()
        .map(|r| json!({ "from": r.from.to_string(), "to": r.to, "count": r.count }))
        .collect();
    let ucs2_chars: Vec<String> = a.ucs2_chars().iter().map(char::to_string).collect();
    json!({
        "encoding": a.encoding(),
        "units": a.units(),
        "segments": a.segments(),
        "max_parts": a.max_parts(),
        "fits": a.fits(),
        "part_capacity": a.part_capacity(),
        "capacity": a.capacity(),
        "max_units": a.max_units(),
        "text": a.text(),
        "parts": parts,
        "replaced": replaced,
        "ucs2_chars": ucs2_chars,
        "shift_tables": a.shift_tables(),
        "concat_ref": a.concat_ref(),
        "split_mode": a.split_mode(),
    })
}

/// The human summary: "GSM-7, 3 SMS, 412/459 units", what changed, then each part.
pub(crate) fn summary(a: &Analysis) -> String {
    let mut s = format!(
        "{}, {} SMS, {}/{} units (cap {} parts = {} units)\n",
        a.encoding(),
        a.segments(),
        a.units(),
        a.capacity(),
        a.max_parts(),
        a.max_units()
    );
    let tables = a.shift_tables();
    if let Some(l) = tables.locking {
        s += &format!("Locking shift table: {l:?}\n");
    }
    if let Some(l) = tables.single {
        s += &format!("Single shift table: {l:?}\n");
    }
    if !a.replacements().is_empty() {
        let list: Vec<String> =
            a.replacements().iter().map(|r| format!("{:?} -> {:?} ({}x)", r.from, r.to, r.count)).collect();
        s += &format!("Replaced: {}\n", list.join(", "));
    }
    if !a.ucs2_chars().is_empty() {
        let list: Vec<String> = a.ucs2_chars().iter().map(|c| format!("{c:?}")).collect();
        s += &format!("UCS-2 because of: {}\n", list.join(" "));
    }
    for (i, p) in a.parts().iter().enumerate() {
        s += &format!("Part {}/{} ({} units): {:?}\n", i + 1, a.segments(), p.units, p.text);
    }
    s
}
