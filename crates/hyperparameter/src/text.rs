//! [`Text`]: the string type stored in entries.

/// Immutable text that is cheap to clone: borrowed when it is known at compile time (key
/// literals, `file!()`), shared otherwise. Used for key text and provenance.
#[derive(Clone, Debug)]
pub enum Text {
    /// Text known at compile time.
    Static(&'static str),
    /// Text built at run time.
    Shared(std::sync::Arc<str>),
}

impl Text {
    /// The text as a string slice.
    #[inline]
    pub fn as_str(&self) -> &str {
        match self {
            Text::Static(s) => s,
            Text::Shared(s) => s,
        }
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Text {
    fn from(key: &str) -> Self {
        Text::Shared(key.into())
    }
}

impl From<String> for Text {
    fn from(key: String) -> Self {
        Text::Shared(key.into())
    }
}
