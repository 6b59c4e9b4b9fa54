//! Form bodies: [`FormExact`] matches a request whose decoded pairs are exactly the expected ones.

use std::collections::BTreeMap;

use wiremock::{Match, Request};

/// The decoded pairs of a form body, in order (repeated keys kept).
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The decoded form body of a request as a map (the last value of a repeated key).
pub fn form_of(req: &Request) -> BTreeMap<String, String> {
    form_pairs(&req.body).into_iter().collect()
}

/// Matches a form body whose decoded pairs are exactly these: any order, repeated keys counted,
/// nothing more.
#[derive(Debug, Clone)]
pub struct FormExact(pub Vec<(String, String)>);

impl FormExact {
    /// Exactly these pairs.
    pub fn new(pairs: &[(&str, &str)]) -> Self {
        FormExact(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }
}

impl Match for FormExact {
    fn matches(&self, request: &Request) -> bool {
        let mut got = form_pairs(&request.body);
        let mut want = self.0.clone();
        got.sort();
        want.sort();
        got == want
    }
}

/// Exactly these form fields ([`FormExact::new`]).
pub fn form(pairs: &[(&str, &str)]) -> FormExact {
    FormExact::new(pairs)
}
