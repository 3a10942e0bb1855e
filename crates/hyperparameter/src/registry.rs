//! Parameters declared with `get_param!`, collected at link time so a command line can list
//! them with their help text.

/// A parameter declared in Rust code with `get_param!(key, default, "help")`.
#[derive(Debug)]
pub struct ParamInfo {
    /// The key.
    pub key: &'static str,
    /// The default as written in the source.
    pub default: &'static str,
    /// The help text.
    pub help: &'static str,
    /// Where it is declared.
    pub file: &'static str,
    /// Line of the declaration.
    pub line: u32,
}

inventory::collect!(ParamInfo);

/// Every parameter declared with `get_param!` in the program, sorted by key (one entry per
/// key: the first declaration in source order).
pub fn registered_params() -> Vec<&'static ParamInfo> {
    let mut params: Vec<&'static ParamInfo> = inventory::iter::<ParamInfo>.into_iter().collect();
    params.sort_by(|a, b| (a.key, a.file, a.line).cmp(&(b.key, b.file, b.line)));
    params.dedup_by(|later, first| later.key == first.key);
    params
}
