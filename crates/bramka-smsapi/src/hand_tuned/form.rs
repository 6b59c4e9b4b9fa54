//! The form encoder of the send request: byte for byte what `reqwest`'s `.form()` writes.

/// The `application/x-www-form-urlencoded` body of `form`, byte for byte what `reqwest`'s
/// `.form()` (`serde_urlencoded`, `form_urlencoded::byte_serialize`) writes, in one buffer.
pub(crate) fn form_body(form: &[(&str, String)]) -> Vec<u8> {
    let len: usize = form.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    // Room for a few escapes; the lists of digits escape only their separators (3 bytes each).
    let mut out = Vec::with_capacity(len + len / 2);
    for (i, (k, v)) in form.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        push_form_encoded(&mut out, k);
        out.push(b'=');
        push_form_encoded(&mut out, v);
    }
    out
}

/// The bytes [`push_form_encoded`] copies as they are: ASCII letters, digits and `*-._`.
static FORM_UNRESERVED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'*' | b'-' | b'.' | b'_');
        b += 1;
    }
    t
};

/// The length of the longest prefix of `b` that [`push_form_encoded`] copies as it is; eight
/// bytes a step with one branch, since the values are mostly such runs (digits, keys).
fn unreserved_prefix(b: &[u8]) -> usize {
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        if chunk.iter().fold(true, |all, &x| all & FORM_UNRESERVED[usize::from(x)]) {
            i += 8;
        } else {
            break;
        }
    }
    while b.get(i).is_some_and(|&x| FORM_UNRESERVED[usize::from(x)]) {
        i += 1;
    }
    i
}

/// Appends `s` form-urlencoded: ASCII letters, digits and `*-._` as they are, space as `+`,
/// every other byte as `%XX`.
fn push_form_encoded(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = s.as_bytes();
    loop {
        let run = unreserved_prefix(rest);
        out.extend_from_slice(&rest[..run]);
        let Some((&b, tail)) = rest[run..].split_first() else { break };
        if b == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
        rest = tail;
    }
}
