//! Reading text from standard input.

use std::io::Read;

/// Standard input as UTF-8, without one trailing newline (`\n` or `\r\n`).
pub(crate) fn read_stdin() -> Result<String, String> {
    let mut text = read_stdin_utf8()?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

/// Standard input as UTF-8, unchanged.
pub(crate) fn read_stdin_utf8() -> Result<String, String> {
    String::from_utf8(read_stdin_bytes()?).map_err(|e| format!("standard input is not UTF-8 text: {e}"))
}

/// Standard input as bytes, unchanged.
pub(crate) fn read_stdin_bytes() -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(bytes)
}
