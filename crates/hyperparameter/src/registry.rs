//! Parameters the program's macros read (`get_param!` and `with_params!`'s `get` and
//! `try_get`), collected at link time so a command line can list them before anything runs,
//! and the keys of the structs read with `from_params`, registered when they are declared or
//! first read.

use std::sync::{Mutex, PoisonError};

/// A parameter read in Rust code by `get_param!(key, default[, "help"])` or by
/// `get x = key or default;` in `with_params!`.
#[derive(Debug)]
pub struct ParamInfo {
    /// The key.
    pub key: &'static str,
    /// The default as a user would write it on a command line: `1` for `1i64`, `ex` for
    /// `"ex"`, `""` for an empty string; an expression that is not a literal is shown as
    /// written in the source. Empty when there is none to show (a field of a struct read
    /// with `from_params`).
    pub default: &'static str,
    /// The type the read converts to (`i64`, `f64`, `String`, `bool`, ...), known from a
    /// literal default (`1` reads an `i32`, `1.5` an `f64`) or from serde for a struct's
    /// field; empty when not known.
    pub type_name: &'static str,
    /// The help text (empty without one).
    pub help: &'static str,
    /// Where it is read.
    pub file: &'static str,
    /// Line of the read.
    pub line: u32,
}

inventory::collect!(ParamInfo);

/// The keys registered while the program runs (`declare_params`, `from_params`).
static DECLARED: Mutex<Vec<&'static ParamInfo>> = Mutex::new(Vec::new());

/// Registers `info` while the program runs, unless its key is registered that way already.
pub(crate) fn declare(info: ParamInfo) {
    let mut declared = DECLARED.lock().unwrap_or_else(PoisonError::into_inner);
    if declared.iter().all(|seen| seen.key != info.key) {
        declared.push(Box::leak(Box::new(info)));
    }
}

/// Every parameter the program reads, sorted by key, one entry per key: those of the
/// macros, and the fields of the structs registered with `declare_params` or read with
/// `from_params` so far. For a key registered more than once, the first with a help text in
/// source order wins, else a macro's read (it knows the default), else the first.
pub fn registered_params() -> Vec<&'static ParamInfo> {
    let mut params: Vec<&'static ParamInfo> = inventory::iter::<ParamInfo>.into_iter().collect();
    params.extend(
        DECLARED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter(),
    );
    params.sort_by_key(|p| {
        (
            p.key,
            p.help.is_empty(),
            p.default.is_empty(),
            p.file,
            p.line,
        )
    });
    params.dedup_by(|later, first| later.key == first.key);
    params
}
