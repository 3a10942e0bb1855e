//! Where a configuration value was written, and how byte offsets become lines and columns.

use std::fmt;
use std::sync::Arc;

use crate::{Error, Source, Text};

/// Where a value of a configuration was written: a file position, a `-D` override, a
/// command-line option or a declared default (the last two only in a run's layers, see
/// [`crate::layers`]).
///
/// Lines and columns are 1-based; columns count characters, not bytes. A value built from an
/// in-memory map has line and column 0 (unknown), and shows as its name alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A file, or a text given a name, at a line and column (0 when unknown).
    File {
        /// The file name as given to the loader.
        file: Arc<str>,
        /// 1-based line, 0 when unknown.
        line: u32,
        /// 1-based column in characters, 0 when unknown.
        col: u32,
    },
    /// A `key=value` override (`-D` on the command line).
    Define {
        /// The item as given, for example `model.dim=64`.
        item: Arc<str>,
    },
    /// A command-line option of the program, such as `--epochs`.
    Option {
        /// The option as written.
        option: Arc<str>,
    },
    /// The default a parameter is declared with (a signature default).
    Default,
}

impl Origin {
    /// A position in a file.
    pub fn file(file: &Arc<str>, line: u32, col: u32) -> Origin {
        Origin::File {
            file: file.clone(),
            line,
            col,
        }
    }

    /// The origin as the scope's provenance record ([`Source`]).
    pub fn to_source(&self) -> Source {
        match self {
            Origin::File { file, line, col } => Source::File {
                path: file.to_string().into(),
                line: *line,
                col: *col,
            },
            Origin::Define { item } => Source::Define {
                item: Text::Shared(item.clone()),
            },
            Origin::Option { option } => Source::CliOption {
                option: Text::Shared(option.clone()),
            },
            Origin::Default => Source::Default,
        }
    }

    /// An error located here, formatted `file:line:col: msg` (rustc style): a
    /// [`Error::Parse`], which front ends report as a configuration error with its position.
    pub fn error(&self, msg: impl Into<String>) -> Error {
        match self {
            Origin::File { file, line, col } => Error::Parse {
                file: file.to_string(),
                line: *line,
                col: *col,
                msg: msg.into(),
            },
            Origin::Define { .. } | Origin::Option { .. } | Origin::Default => Error::Parse {
                file: self.to_string(),
                line: 0,
                col: 0,
                msg: msg.into(),
            },
        }
    }
}

impl fmt::Display for Origin {
    /// `file:line:col`, shortened to `file:line` or `file` when the rest is unknown;
    /// `-D item` for an override.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line: 0, .. } => write!(f, "{file}"),
            Origin::File { file, line, col: 0 } => write!(f, "{file}:{line}"),
            Origin::File { file, line, col } => write!(f, "{file}:{line}:{col}"),
            Origin::Define { item } => write!(f, "-D {item}"),
            Origin::Option { option } => write!(f, "{option}"),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// Turns byte offsets of one text into 1-based lines and character columns.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The line and column of a byte offset (clamped to the text).
    pub(crate) fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        // An offset inside a multi-byte character counts that character.
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (saturate(line + 1), saturate(col + 1))
    }
}

/// Lines and columns beyond `u32::MAX` do not occur in inputs within the size limit.
pub(crate) fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_characters() {
        let index = LineIndex::new("ab\néx = 1\n");
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(3), (2, 1));
        assert_eq!(index.position(5), (2, 2));
        assert_eq!(index.position(100), (3, 1));
    }

    #[test]
    fn display_shortens_unknown_parts() {
        let file: Arc<str> = "a.toml".into();
        assert_eq!(Origin::file(&file, 3, 7).to_string(), "a.toml:3:7");
        assert_eq!(Origin::file(&file, 3, 0).to_string(), "a.toml:3");
        assert_eq!(Origin::file(&file, 0, 0).to_string(), "a.toml");
        let define = Origin::Define { item: "a=1".into() };
        assert_eq!(define.to_string(), "-D a=1");
        assert_eq!(define.to_source(), Source::Define { item: "a=1".into() });
        assert_eq!(define.to_source().to_string(), "-D a=1");
        assert_eq!(
            Origin::file(&file, 3, 7).to_source().to_string(),
            "a.toml:3:7"
        );
    }
}
