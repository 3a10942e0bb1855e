//! What the macros expand to. Not a public API: names and signatures may change.

pub use inventory;

use crate::convert::ParamDefault;
use crate::storage::with_cursor;
use crate::{read, Entry, Error, Key, ParamScope, Result, Source, Text, Value};

pub use crate::registry::ParamInfo;
pub use crate::report::ReadSite;
pub use crate::scope::ScopeGuard;
pub use crate::task::Scoped;

/// `get x = key or default`: the converted value, or a panic with the conversion error's
/// message. A value from a command line that the clap integration accepted is bad input
/// rather than a bug: that is a usage error (message, exit status 2), not a panic.
#[inline]
pub fn read_or<D: ParamDefault>(key: &Key, site: &ReadSite, default: D) -> D::Output {
    match read::get_or_at(key, site, default) {
        Ok(value) => value,
        Err(err) => bad_read(key, err),
    }
}

/// Without the clap integration every bad read is a panic, and the key is not needed.
#[cold]
#[inline(never)]
#[cfg_attr(not(feature = "clap"), allow(unused_variables))]
fn bad_read(key: &Key, err: Error) -> ! {
    #[cfg(feature = "clap")]
    crate::cli::exit_on_bad_command_line_value(key, &err);
    panic!("{err}")
}

/// `try_get x = key or default`.
#[inline]
pub fn try_read_or<D: ParamDefault>(key: &Key, site: &ReadSite, default: D) -> Result<D::Output> {
    read::get_or_at(key, site, default)
}

/// `set key = value`: writes into the innermost scope, recording the call site.
#[inline]
pub fn set(key: &Key, value: impl Into<Value>, file: &'static str, line: u32) {
    let source = Source::Code {
        file: Text::Static(file),
        line,
    };
    if let Err(err) = read::put(key, value, source) {
        panic!("{err}");
    }
}

/// `params scope`: writes every override of `scope` into the innermost scope.
pub fn set_all(scope: &ParamScope) {
    let result = with_cursor(|cursor| {
        scope
            .entries()
            .iter()
            .try_for_each(|(hash, entry): (&u64, &Entry)| cursor.put(*hash, entry.clone()))
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}
