//! `X-Twilio-Signature`: computing and verifying Twilio's webhook signatures.
//!
//! Algorithm (Twilio's webhook security page, the official helper libraries and their test vectors):
//! `base64(HMAC-SHA1(key = auth token, msg = URL + for each name in byte order: name + value))`.
//! Repeated names contribute each distinct value, sorted. The JSON-body variant signs the URL
//! only and carries `bodySHA256=<hex sha256 of the body>` in the query. Twilio is inconsistent
//! about ports, so a signature is accepted if it matches the URL as received, the URL without
//! its explicit port, or the URL with the scheme's default port inserted (as twilio-python,
//! -node, -java, -go and -ruby do). Comparison is constant-time.
//!
//! The URL is used byte for byte as given: pass the exact public URL Twilio called.

use std::collections::BTreeMap;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use bramka_core::{Secret, WebhookRequest};

/// The header Twilio puts its signature in.
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";

/// The query parameter carrying the body hash of JSON webhooks.
pub const BODY_SHA256_PARAM: &str = "bodySHA256";

/// Why a signature was refused.
///
/// ```
/// use bramka_twilio::signature::{verify_form, SignatureError};
///
/// let url = "https://sms.example.com/hooks/twilio";
/// let params = [("MessageSid", "SM1"), ("MessageStatus", "delivered")];
/// let token = bramka_core::Secret::from("auth-token");
/// let e = verify_form(&token, url, &params, "forged").unwrap_err();
/// assert_eq!(e, SignatureError::Mismatch);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// No (or an empty) `X-Twilio-Signature` header.
    #[error("missing X-Twilio-Signature header")]
    Missing,
    /// The signature matches none of the URL variants.
    #[error(
        "X-Twilio-Signature does not match the URL and parameters (tried the URL as received, without its port and with the default port)"
    )]
    Mismatch,
    /// The body's SHA-256 differs from the `bodySHA256` query parameter.
    #[error("the body's SHA-256 does not match the bodySHA256 query parameter")]
    BodyHashMismatch,
    /// A JSON-variant request without `bodySHA256` in its URL.
    #[error("a JSON webhook must carry bodySHA256 in its URL query")]
    MissingBodyHash,
}

/// The signature of `url` + sorted `params`, as Twilio computes it.
pub fn compute<K: AsRef<str>, V: AsRef<str>>(auth_token: &str, url: &str, params: &[(K, V)]) -> String {
    // `str` orders by bytes, as Twilio sorts names.
    let mut grouped: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in params {
        grouped.entry(k.as_ref()).or_default().push(v.as_ref());
    }
    let mut data = String::from(url);
    for (name, mut values) in grouped {
        values.sort_unstable();
        values.dedup();
        for v in values {
            data.push_str(name);
            data.push_str(v);
        }
    }
    hmac_b64(auth_token, data.as_bytes())
}

fn hmac_b64(key: &str, data: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(data);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Verifies a form-encoded (or GET, with no params) webhook: accepts if any URL variant matches.
///
/// # Errors
///
/// Returns [`SignatureError::Missing`] when `signature` is blank, and
/// [`SignatureError::Mismatch`] when it matches none of the URL variants.
pub fn verify_form<K: AsRef<str>, V: AsRef<str>>(
    auth_token: &Secret,
    url: &str,
    params: &[(K, V)],
    signature: &str,
) -> Result<(), SignatureError> {
    let signature = signature.trim();
    if signature.is_empty() {
        return Err(SignatureError::Missing);
    }
    let mut ok = false;
    for candidate in url_variants(url) {
        // Evaluate every variant so timing does not reveal which one matched.
        ok |= ct_eq(&compute(auth_token.expose(), &candidate, params), signature);
    }
    if ok { Ok(()) } else { Err(SignatureError::Mismatch) }
}

/// Verifies a JSON-body webhook: the signature covers the URL (with `bodySHA256`) only, and the
/// body's SHA-256 must equal `bodySHA256`.
///
/// # Errors
///
/// Returns [`SignatureError::MissingBodyHash`] when `url` has no `bodySHA256`, what
/// [`verify_form`] returns for the URL's signature, and [`SignatureError::BodyHashMismatch`] when
/// the body's SHA-256 differs from `bodySHA256`.
pub fn verify_json_body(
    auth_token: &Secret,
    url: &str,
    body: &[u8],
    signature: &str,
) -> Result<(), SignatureError> {
    let expected_hash = body_sha256_param(url).ok_or(SignatureError::MissingBodyHash)?;
    verify_form::<&str, &str>(auth_token, url, &[], signature)?;
    let actual = hex(&Sha256::digest(body));
    if ct_eq(&actual, &expected_hash.to_ascii_lowercase()) {
        Ok(())
    } else {
        Err(SignatureError::BodyHashMismatch)
    }
}

/// The `bodySHA256` query value of a raw URL, if any.
pub fn body_sha256_param(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == BODY_SHA256_PARAM)
        .map(|(_, v)| v.into_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The URL as given, without its explicit port, and with the scheme's default port inserted
/// (when none is present): the forms the official libraries try. Userinfo, path and query are
/// kept byte for byte.
pub fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (&authority[..=i], &authority[i + 1..]),
        None => ("", authority),
    };
    // The port follows the last ':' unless that ':' is inside an IPv6 literal.
    let (host, port) = match hostport.rfind(':') {
        Some(i) if !hostport[i..].contains(']') => (&hostport[..i], Some(&hostport[i + 1..])),
        _ => (hostport, None),
    };
    match port {
        Some(_) => out.push(format!("{scheme}://{userinfo}{host}{tail}")),
        None => {
            let default = match scheme.to_ascii_lowercase().as_str() {
                "https" => Some("443"),
                "http" => Some("80"),
                _ => None,
            };
            if let Some(p) = default {
                out.push(format!("{scheme}://{userinfo}{host}:{p}{tail}"));
            }
        }
    }
    out
}

/// Signs a form body for `url` with `auth_token`, exactly as Twilio would: use it to build
/// requests for your own handler tests.
///
/// ```
/// use bramka_twilio::signature::sign_for_test;
/// let sig = sign_for_test("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
///     "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212");
/// assert_eq!(sig, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
/// ```
pub fn sign_for_test(auth_token: &str, url: &str, form_body: &str) -> String {
    let params: Vec<(String, String)> = url::form_urlencoded::parse(form_body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    compute(auth_token, url, &params)
}

/// A signed `POST` form webhook request, as Twilio would send it, for handler tests.
///
/// Fails only when `url` is not a URL.
///
/// # Errors
///
/// Returns the [`url::ParseError`] when `url` is not a URL.
pub fn signed_request_for_test(
    auth_token: &str,
    url: &str,
    form_body: &str,
) -> Result<WebhookRequest, url::ParseError> {
    let parsed = url::Url::parse(url)?;
    // Sign the URL the way the request will present it, so verification sees the same bytes.
    let sig = sign_for_test(auth_token, parsed.as_str(), form_body);
    Ok(WebhookRequest::new("POST", parsed)
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_header(SIGNATURE_HEADER, &sig)
        .with_body(form_body.as_bytes().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_strip_and_add_ports() {
        assert_eq!(
            url_variants("https://h.com:1234/p?q=1"),
            vec!["https://h.com:1234/p?q=1".to_owned(), "https://h.com/p?q=1".to_owned()]
        );
        assert_eq!(
            url_variants("http://u:p@h.com/p"),
            vec!["http://u:p@h.com/p".to_owned(), "http://u:p@h.com:80/p".to_owned()]
        );
        assert_eq!(url_variants("https://[::1]/x")[1], "https://[::1]:443/x");
        assert_eq!(url_variants("https://[::1]:8443/x")[1], "https://[::1]/x");
        assert_eq!(url_variants("https://h.com")[1], "https://h.com:443");
    }

    #[test]
    fn worked_example_from_the_reference() {
        let p = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ];
        assert_eq!(
            compute("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &p),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
    }

    #[test]
    fn empty_signature_is_missing_and_wrong_token_mismatches() {
        let t = Secret::new("12345");
        assert_eq!(verify_form::<&str, &str>(&t, "https://a.b/", &[], "  "), Err(SignatureError::Missing));
        let sig = compute("other", "https://a.b/", &[("A", "1")]);
        assert_eq!(verify_form(&t, "https://a.b/", &[("A", "1")], &sig), Err(SignatureError::Mismatch));
        let sig = compute("12345", "https://a.b/", &[("A", "1")]);
        assert_eq!(verify_form(&t, "https://a.b/", &[("A", "1")], &sig), Ok(()));
        assert_eq!(verify_form(&t, "https://a.b/", &[("A", "2")], &sig), Err(SignatureError::Mismatch));
    }
}
