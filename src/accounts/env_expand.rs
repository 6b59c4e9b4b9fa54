//! `${VAR}` placeholders in DSN templates: recognised, and expanded from an environment lookup
//! with each value percent-encoded, through `bramka_core::placeholders` (shared with `bramka serve`).

/// Whether `s` is exactly one `${VAR}` placeholder (`VAR` of ASCII letters, digits and `_`).
pub(crate) fn is_placeholder(s: &str) -> bool {
    s.starts_with("${")
        && s.ends_with('}')
        && s[2..s.len() - 1].chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `template` with every `${VAR}` replaced by `env(VAR)`, percent-encoded (so a value holding
/// `@`, `:` or `/` cannot change the DSN's structure). An unclosed `${` is kept as written.
/// The error is the name of the first unset variable.
pub(crate) fn expand_percent_encoded(
    template: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    use bramka_core::placeholders::{Encode, PlaceholderError, expand};
    // The expansion is shared with `bramka serve`'s file (`bramka_core::placeholders`); a trailing
    // unclosed `${` is kept as written, as it always was here.
    let closed = template.rfind('}').map_or(0, |i| i + 1);
    let cut = template[closed..].find("${").map_or(template.len(), |i| closed + i);
    let mut out = expand(&template[..cut], env, Encode::Percent).map_err(|e| match e {
        PlaceholderError::Missing { var } => var,
        other => other.to_string(),
    })?;
    out.push_str(&template[cut..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_expanded_encoded_and_missing_ones_named() {
        let env = |k: &str| (k == "T").then(|| "a@b/c".to_owned());
        assert_eq!(
            expand_percent_encoded("smsapi://${T}@default", &env).unwrap(),
            "smsapi://a%40b%2Fc@default"
        );
        assert_eq!(expand_percent_encoded("x://${NOPE}@h", &env).unwrap_err(), "NOPE");
        assert_eq!(expand_percent_encoded("x://${T@h", &env).unwrap(), "x://${T@h");
        assert!(is_placeholder("${A_1}"));
        assert!(!is_placeholder("${A-1}") && !is_placeholder("x${A}"));
    }
}
