//! The [`CallEvent`] a PBX raises when a call reaches the SMS element.

/// A call reaching the SMS element of a call flow.
///
/// The numbers are kept as the PBX gave them: they fill `{from_number}` / `{to_number}` and the
/// `from_number` / `to_number` parameters of the customer's API unchanged. The caller's number is
/// parsed (with the configured caller prefix) only when the SMS also goes to the caller.
///
/// ```
/// use bramka_flow::CallEvent;
///
/// let call = CallEvent::new("c-42", "+48500600700", "+48221131415");
/// assert_eq!(call.builtin("from_number"), Some("+48500600700"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CallEvent {
    /// The PBX's call identifier (`call_id`).
    pub call_id: String,
    /// The number the call came from (`from_number`); may be empty or `anonymous`.
    pub caller: String,
    /// The number that was called (`to_number`).
    pub called: String,
}

impl CallEvent {
    /// A call event.
    ///
    /// ```
    /// use bramka_flow::CallEvent;
    /// let e = CallEvent::new("c-17", "+48600100200", "+48221131415");
    /// assert_eq!(e.call_id, "c-17");
    /// ```
    pub fn new(call_id: impl Into<String>, caller: impl Into<String>, called: impl Into<String>) -> Self {
        CallEvent { call_id: call_id.into(), caller: caller.into(), called: called.into() }
    }

    /// The value of a built-in placeholder (`from_number`, `to_number`, `call_id`).
    pub fn builtin(&self, name: &str) -> Option<&str> {
        match name {
            "from_number" => Some(&self.caller),
            "to_number" => Some(&self.called),
            "call_id" => Some(&self.call_id),
            _ => None,
        }
    }
}
